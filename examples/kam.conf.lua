-- Configuration for examples/segment_north.lua: copy it (with north_model.lua) into the
-- database directory, or pass it as db:segment{ config = ... } / kam segment --config.
models = { "north_model.lua" }
segmentation = {
	default = { model = "abc" },
	regions = {
		north = { model = "north_recency", params = { recent_weight = 3 } },
	},
}
