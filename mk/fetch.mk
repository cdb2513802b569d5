# HTTP engine benchmark (issue 3): feedwire fetch vs ../shared/bench/fetch_multi.c on nginx.
.PHONY: bench-fetch

## CPU per request of `feedwire fetch` (full and 304 rounds) against the libcurl C floor.
bench-fetch: release
	scripts/bench-fetch.sh "$(RELEASE_BIN)"
