# Feed parser: fuzzing and benchmark (issue 2). Included by the Makefile.
.PHONY: fuzz bench-parse

FUZZ_SECONDS ?= 600
BENCH_CORPUS ?= .build/bench-corpus
BENCH_RUNS ?= 5

## Fuzz FeedParser.parse with libFuzzer for FUZZ_SECONDS (default 600; the corpus grows in .build/fuzz).
fuzz: deps
	scripts/fuzz-parse.sh $(FUZZ_SECONDS)

## The shipped release build (make release), generated corpus (seed 42), libxml2 SAX floor;
## prints throughput ratios, peak RSS, start-up. BENCH_COMPARE=1 also times a dynamically
## linked release build (.build/release) for comparison.
bench-parse: release
	scripts/setup.sh bench
	scripts/bench-parse.sh "$(RELEASE_BIN)"
