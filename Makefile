# The two commands of the README: `make demo` and `make test`. Both install what is missing.
PORT ?= 8080
DATA ?= ./data
SCALE ?= 1

.PHONY: demo test build bench format clean

demo:
	scripts/install-deps demo
	swift build -c release --product minqing
	.build/release/minqing demo --data $(DATA) --port $(PORT) --scale $(SCALE)

test:
	scripts/install-deps test
	scripts/test

build:
	swift build

bench:
	scripts/install-deps bench
	scripts/bench

format:
	swift format --in-place --recursive Package.swift Sources Tests Benchmarks

clean:
	rm -rf .build Benchmarks/.build
