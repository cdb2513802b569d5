# Chat notifications (issue 7). Not a test: prints numbers.
#   make bench-notify   a 1,000-event burst to one Discord target under its real limits
#                       (chat_sink --rate-limit discord=5:2): messages sent, time to the
#                       last delivery, 429s received
.PHONY: bench-notify

bench-notify: deps
	$(SWIFT) build --build-tests
	set -o pipefail; FEEDWIRE_BENCH=notify $(SWIFT) test --skip-build --filter NotifyBurstBenchmark 2>&1 | sed -n '/bench-notify:/,/one message per event/p;/✘/p'
