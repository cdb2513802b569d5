# Publishing: `make preview` (the HTML page rendered and screenshotted) and
# `make bench-publish` (regenerating a 200-item merged feed).
.PHONY: preview bench-publish

## Render the sample newsroom into .build/preview and screenshot the HTML page (phone and desktop widths).
preview:
	@scripts/setup.sh preview
	scripts/preview.sh

## Time regenerating a 200-item merged feed (release build; prints numbers, asserts nothing).
## -enable-testing: some test targets use @testable imports, which a release build refuses otherwise.
bench-publish:
	@scripts/setup.sh
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing
	FEEDWIRE_BENCH=publish $(SWIFT) test -c release --skip-build -Xswiftc -enable-testing --filter PublishBenchmark
