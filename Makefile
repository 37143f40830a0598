# facedetail: the two commands README promises, and a few helpers.
SWIFT ?= swift
BIN := .build/release/facedetail

.PHONY: setup build release demo test bench clean

setup:
	scripts/setup-system.sh

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product facedetail

## demo: converts the bundled sample mesh into every mesh format and its maps EXR -> PNG.
demo: setup release
	samples/run-demo.sh $(BIN) out/demo

## test: the whole suite (Swift Testing), on a debug build.
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: setup release
	benchmarks/convert.sh $(BIN)

clean:
	rm -rf .build out
