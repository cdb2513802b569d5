# End-to-end runs (issue 8) against ../shared/tools/newsroom.py and chat_sink.py.
#   make acceptance   the newsroom acceptance run on the debug binary (also in `make test`)
.PHONY: acceptance

acceptance: deps
	$(SWIFT) build --product feedwire
	scripts/checks/acceptance.sh
