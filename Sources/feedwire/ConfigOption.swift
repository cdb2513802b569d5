import ArgumentParser
import FeedwireCore
import Glibc

/// `--config PATH`: defaults to /etc/feedwire/feeds.conf, then ./feeds.conf
/// when that does not exist (contract: feeds-conf.md, "Command line").
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: /etc/feedwire/feeds.conf, else ./feeds.conf).")
    var config: String?

    var path: String {
        if let config { return config }
        if access("/etc/feedwire/feeds.conf", F_OK) == 0 { return "/etc/feedwire/feeds.conf" }
        return "feeds.conf"
    }

    /// Loads the configuration, printing warnings; exit code 3 if unreadable, 1 if invalid.
    func load() throws -> LoadedConfig {
        do {
            let loaded = try ConfigLoader.load(path: path)
            for w in loaded.warnings { printError(w.formatted(file: path)) }
            return loaded
        } catch {
            throw CommandFailure(code: error.unreadable ? 3 : 1, message: error.description)
        }
    }
}
