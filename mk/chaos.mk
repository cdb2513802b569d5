# Crash safety (issue 8, item 2). Not part of `make test` in this long form;
# scripts/checks/chaos.sh runs the short version in the test command.
#   make chaos                       40 newsroom steps, 4 SIGKILLs per step (random timers
#                                    and FEEDWIRE_CRASH_AT crash points), then prints kills,
#                                    kills per kind, repeats, lost, integrity
#   make chaos CHAOS_ARGS="--steps 80 --rounds 6 --seed 7"
CHAOS_ARGS ?=
.PHONY: chaos

chaos: deps
	$(SWIFT) build --product feedwire
	python3 scripts/e2e/chaos.py --binary .build/debug/feedwire $(CHAOS_ARGS)
