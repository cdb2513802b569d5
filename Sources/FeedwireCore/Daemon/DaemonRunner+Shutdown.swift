import Dispatch
import Logging

/// SIGTERM/SIGINT: stop scheduling, let refreshes in flight finish for up
/// to `shutdown_grace` (each is one store transaction, so it either commits
/// or leaves nothing), then stop the components in order (each within
/// `componentGrace`) and exit 0. A second signal stops waiting for the
/// refreshes in flight.
extension DaemonRunner {
    func beginShutdown(reason: String) {
        switch phase {
        case .created, .stopped:
            return
        case .stopping:
            guard !stopForced, !closing else { return }
            stopForced = true
            logger.warning("\(reason) again: not waiting for the \(due.inFlightCount) refreshes in flight")
            closeComponents()
            return
        case .running:
            break
        }
        phase = .stopping
        stopReason = reason
        scheduleTimer?.disarm()
        scheduleArmedFor = nil
        notify("STOPPING=1\n" + SdNotify.statusLine(statusText(now: clock.now())))
        if showProgressLine { logSink.setProgress(nil) }
        let grace = max(0, config.daemon.shutdownGrace)
        let inFlight = due.inFlightCount
        if inFlight == 0 {
            logger.info("stopping (\(reason))")
            closeComponents()
            return
        }
        logger.info("stopping (\(reason)): waiting up to \(DurationText.format(grace)) for \(inFlight) \(inFlight == 1 ? "refresh" : "refreshes") in flight")
        stopTimer = timers.makeTimer(name: "stop", queue: queue) { [unowned self] in graceExpired() }
        stopTimer?.arm(after: grace)
    }

    private func graceExpired() {
        guard phase == .stopping, !closing else { return }
        let names = due.inFlight.keys.sorted()
        let shown = names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", …" : "")
        logger.warning("\(names.count) \(names.count == 1 ? "refresh" : "refreshes") did not finish within shutdown_grace (\(shown)); abandoning them: those feeds are polled again after the restart")
        closeComponents()
    }

    /// Stops the components one after another, then exits.
    func closeComponents() {
        guard !closing else { return }
        closing = true
        stopTimer?.cancel()
        stopTimer = nil
        closingIndex = 0
        closeNextComponent()
    }

    private func closeNextComponent() {
        guard closingIndex < components.count else {
            finish()
            return
        }
        let component = components[closingIndex]
        closingIndex += 1
        let index = closingIndex
        let grace = options.componentGrace
        logger.debug("stopping \(component.componentName)")
        let timer = timers.makeTimer(name: "stop-component", queue: queue) { [unowned self] in
            guard closingIndex == index, phase == .stopping else { return }
            logger.warning("\(component.componentName) did not stop within \(DurationText.format(grace)); going on without it")
            closeNextComponent()
        }
        stopTimer = timer
        timer.arm(after: grace)
        component.shutdown(deadline: clock.now() + grace) { [weak self] in
            guard let self else { return }
            self.queue.async {
                guard self.closingIndex == index, self.phase == .stopping else { return }
                self.stopTimer?.cancel()
                self.stopTimer = nil
                self.closeNextComponent()
            }
        }
    }

    private func finish() {
        phase = .stopped
        for timer in [scheduleTimer, housekeepingTimer, watchdogTimer, stopTimer] { timer?.cancel() }
        scheduleTimer = nil
        housekeepingTimer = nil
        watchdogTimer = nil
        stopTimer = nil
        metricsServer?.stop()
        signalSources?.cancel()
        health.beat(now: clock.now(), progressing: false, problem: "stopped", storeHealthy: false, stopping: true)
        logger.info("stopped")
        exitProcess(0)
    }
}
