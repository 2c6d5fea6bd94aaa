segmentation = { regions = { north = 5 } }
