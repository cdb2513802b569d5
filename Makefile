# Feedwire. `make test` and `make run` set everything up themselves.
SHELL := /bin/bash
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
CONFIG ?= feeds.conf

# The shipped build (`make release`, `make install`, `make bench-parse`):
# release, with the Swift runtime linked in (--static-swift-stdlib), which
# halves start-up (no runtime libraries to load and relocate: a short
# `feedwire parse` run is mostly start-up) and needs no toolchain on the
# server. It has its own scratch path, so a plain `swift build -c release`
# (the other benchmarks) does not rebuild it. STATIC=0: a dynamically
# linked release build in .build instead.
ifeq ($(STATIC),0)
RELEASE_SCRATCH ?= .build
RELEASE_FLAGS ?= -c release
else
RELEASE_SCRATCH ?= .build-static
RELEASE_FLAGS ?= -c release --static-swift-stdlib
endif
RELEASE_BIN = $(RELEASE_SCRATCH)/release/feedwire

.PHONY: all deps build release test run clean

all: build

deps:
	@scripts/setup.sh

build: deps
	$(SWIFT) build

## The shipped binary: $(RELEASE_BIN) (see RELEASE_FLAGS above).
release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(RELEASE_SCRATCH) --product feedwire

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
