# The two commands of the README. Both install missing Debian packages first (scripts/setup-deps.sh).
#   make demo   build, then run the main job on built-in sample data
#   make test   build, then run the whole test suite through ctest
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAM_WERROR=ON

.PHONY: all setup build demo test install clean

all: build

setup:
	@sh scripts/setup-deps.sh

build: setup
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/kam demo --dir $(BUILD)/demo

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD)
