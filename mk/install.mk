# make install / make uninstall: the binary, the systemd unit, sysusers and
# tmpfiles entries and /etc/feedwire/feeds.conf. Step by step: docs/systemd.md.
#
#   make install                      release build (Swift runtime linked in), then install under PREFIX (/usr/local)
#   make install STATIC=0             ...of a build that loads the Swift runtime from the toolchain
#   make install DESTDIR=/tmp/pkg     stage into a directory (packaging, CI)
#   make install-files FEEDWIRE_BIN=.build/debug/feedwire   install an existing binary, no build
#   make uninstall                    remove what install put in place (keeps state and an edited config)
#
# The unit goes to /etc/systemd/system: the directory for units an
# administrator adds, searched whatever PREFIX is (PREFIX/lib/systemd/system
# is searched only for /usr and /usr/local). sysusers.d and tmpfiles.d files
# go to /usr/lib, where systemd-sysusers and systemd-tmpfiles read vendor
# entries. All directories can be overridden on the command line.

BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR ?= /etc/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d
FEEDWIRE_BIN ?= $(RELEASE_BIN)
INSTALL ?= install

.PHONY: install install-files uninstall

install: release
	@$(MAKE) --no-print-directory install-files FEEDWIRE_BIN=$(RELEASE_BIN)

install-files:
	@test -x "$(FEEDWIRE_BIN)" || { echo "install: $(FEEDWIRE_BIN) is not built; run make release (or make install)" >&2; exit 1; }
	$(INSTALL) -d -m 0755 "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" \
		"$(DESTDIR)$(TMPFILESDIR)" "$(DESTDIR)$(SYSCONFDIR)/feedwire"
	$(INSTALL) -m 0755 "$(FEEDWIRE_BIN)" "$(DESTDIR)$(BINDIR)/feedwire"
	sed -e 's|/usr/local/bin/feedwire|$(BINDIR)/feedwire|g' -e 's|/etc/feedwire/|$(SYSCONFDIR)/feedwire/|g' \
		systemd/feedwire.service > "$(DESTDIR)$(UNITDIR)/feedwire.service.tmp"
	chmod 0644 "$(DESTDIR)$(UNITDIR)/feedwire.service.tmp"
	mv -f "$(DESTDIR)$(UNITDIR)/feedwire.service.tmp" "$(DESTDIR)$(UNITDIR)/feedwire.service"
	$(INSTALL) -m 0644 systemd/feedwire.sysusers "$(DESTDIR)$(SYSUSERSDIR)/feedwire.conf"
	$(INSTALL) -m 0644 systemd/feedwire.tmpfiles "$(DESTDIR)$(TMPFILESDIR)/feedwire.conf"
	@# Never overwrite an operator's configuration: a newer sample goes beside it.
	@if [ -e "$(DESTDIR)$(SYSCONFDIR)/feedwire/feeds.conf" ]; then \
		if cmp -s feeds.conf "$(DESTDIR)$(SYSCONFDIR)/feedwire/feeds.conf"; then \
			echo "install: $(SYSCONFDIR)/feedwire/feeds.conf is already the sample"; \
		else \
			$(INSTALL) -m 0644 feeds.conf "$(DESTDIR)$(SYSCONFDIR)/feedwire/feeds.conf.new"; \
			echo "install: kept your $(SYSCONFDIR)/feedwire/feeds.conf; the new sample is feeds.conf.new beside it"; \
		fi; \
	else \
		$(INSTALL) -m 0644 feeds.conf "$(DESTDIR)$(SYSCONFDIR)/feedwire/feeds.conf"; \
		echo "install: wrote $(SYSCONFDIR)/feedwire/feeds.conf (the sample): edit it, then run feedwire check"; \
	fi
	@echo "install: next: systemd-sysusers; systemd-tmpfiles --create; systemctl daemon-reload (docs/systemd.md)"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/feedwire" "$(DESTDIR)$(UNITDIR)/feedwire.service" \
		"$(DESTDIR)$(SYSUSERSDIR)/feedwire.conf" "$(DESTDIR)$(TMPFILESDIR)/feedwire.conf" \
		"$(DESTDIR)$(SYSCONFDIR)/feedwire/feeds.conf.new"
	@# The configuration goes only if it is the untouched sample.
	@if [ -e "$(DESTDIR)$(SYSCONFDIR)/feedwire/feeds.conf" ]; then \
		if cmp -s feeds.conf "$(DESTDIR)$(SYSCONFDIR)/feedwire/feeds.conf"; then \
			rm -f "$(DESTDIR)$(SYSCONFDIR)/feedwire/feeds.conf"; \
		else \
			echo "uninstall: kept $(SYSCONFDIR)/feedwire/feeds.conf (edited)"; \
		fi; \
	fi
	-@rmdir "$(DESTDIR)$(SYSCONFDIR)/feedwire" 2>/dev/null || true
	@echo "uninstall: state in /var/lib/feedwire, outputs in /srv/feedwire and the feedwire user are kept; remove them by hand if you want them gone"
