# End-to-end load benchmark (issue 8): a benchmark that prints figures, never a timed test.
.PHONY: bench-load

## `feedwire run` with 10,000 feeds on nginx for several cycles, some feeds changing: CPU per cycle, RSS, DB size, latency.
bench-load: deps
	scripts/bench-load.sh
