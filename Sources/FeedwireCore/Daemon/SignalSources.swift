import Dispatch
import Glibc

/// SIGHUP/SIGTERM/SIGINT as Dispatch events on the daemon queue.
///
/// Order matters:
/// 1. `signal(SIG, SIG_IGN)`: the default action (terminate) must not run
///    while Dispatch installs its own handling. Dispatch then routes the
///    signal through a `signalfd`, and its handler re-raises signals that
///    land on a thread that has not blocked them yet.
/// 2. `DispatchSource.makeSignalSource`, handler, `activate()`; the sources
///    are kept alive here for the life of the process.
/// 3. `pthread_sigmask(SIG_UNBLOCK)` on the calling (main) thread: a parent
///    that spawned us from a thread with these signals blocked (Foundation's
///    `Process` from a Dispatch worker, some supervisors) would otherwise
///    hand us a mask where they stay pending forever on the main thread.
public final class SignalSources: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    public static let daemonSignals: [Int32] = [SIGHUP, SIGTERM, SIGINT]

    /// Installs one source per signal; `handler` runs on `queue` with the signal number.
    public init(signals: [Int32] = SignalSources.daemonSignals, queue: DispatchQueue,
                handler: @escaping @Sendable (Int32) -> Void) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { handler(sig) }
            source.activate()
            sources.append(source)
        }
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Stops delivering (the signals stay ignored).
    public func cancel() {
        for s in sources { s.cancel() }
        sources.removeAll()
    }

    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGHUP: return "SIGHUP"
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        default: return "signal \(sig)"
        }
    }
}
