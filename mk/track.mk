# Item store benchmark (issue 4). Not a test: prints numbers.
#   make bench-track   release build, 1000-feed corpus, ingest into an empty DB, then again unchanged
.PHONY: bench-track

bench-track: deps
	$(SWIFT) build -c release --product feedwire
	python3 scripts/bench-track.py --binary "$$($(SWIFT) build -c release --show-bin-path)/feedwire"
