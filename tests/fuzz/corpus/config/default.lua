segmentation = { default = { model = "abc" } }
