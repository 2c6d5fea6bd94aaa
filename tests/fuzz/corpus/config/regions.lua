local w = 0.25
segmentation = {
  default = { model = "abc", params = { window_days = 365, a = 0.8, strict = true } },
  regions = {
    east = { model = "score", params = { w_employees = w, label = "big" } },
    [""] = { model = "abc" },
  },
}
plugins = { "/opt/kam/plugins/retail.so", "score" }
