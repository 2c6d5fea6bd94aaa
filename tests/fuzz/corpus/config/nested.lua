local p = { w = 1.5, n = -3, big = 1e300, s = "x" .. "y", t = true, f = false }
segmentation = { default = { model = ("abc"):upper():lower(), params = p }, regions = { north = { model = "score", params = p }, ["\0x"] = { model = "" } } }
plugins = { "a.so", [3] = "c.so" }
models = { "m.lua", "/abs/m.lua" }
