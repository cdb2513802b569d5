# Daemon runtime benchmarks (speed goals are benchmarks that print numbers, never timed tests).
.PHONY: bench-idle bench-schedule

## Idle cost of `feedwire run`: 10,000 feeds on a local nginx, all answering 304; CPU per hour and RSS.
bench-idle: deps
	scripts/bench-idle.sh

## The scheduler alone: CPU per scheduling decision for 10,000 feeds over a simulated day (release build).
bench-schedule: deps
	scripts/bench-schedule.sh
