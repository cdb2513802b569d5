# Feedwire. `make test` and `make run` set everything up themselves.
SHELL := /bin/bash
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
CONFIG ?= feeds.conf

.PHONY: all deps build release test run clean

all: build

deps:
	@scripts/setup.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## The whole test suite (what CI runs).
test: deps
	scripts/test.sh

## Build and run the daemon on the sample feeds.conf, with state and outputs under .build/run.
run: build
	scripts/run-dev.sh $(CONFIG)

clean:
	rm -rf .build

# Feature makefiles: benchmarks, fuzzing, install, previews (one file per area).
include $(wildcard mk/*.mk)
