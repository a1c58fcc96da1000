import ArgumentParser
import Foundation
import Logging
import VitalsConfig
import VitalsCore
import VitalsServer

/// `vitals run`: the daemon, until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the daemon until SIGTERM/SIGINT.")

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "Watch only this share of the components: I/N (0-based), by a stable hash of the name.")
    var shard: Shard?

    @Option(name: .long, help: "The fleet location this member probes from (over VITALS_LOCATION and fleet.location).")
    var location: String?

    @Option(name: .long, help: "How long readiness answers 503 after SIGTERM before the server stops (e.g. 1s).")
    var drainDelay: String = "1s"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "Log line format on stderr: logfmt or json.")
    var logFormat: LogFormat = .logfmt

    func run() async throws {
        let logger = Logging.make(level: logLevel, format: logFormat)
        let config: Config
        do throws(ConfigErrors) {
            config = try Daemon.load(options.config, location: location)
            if config.fleet != nil, let shard {
                throw ConfigErrors([ConfigError(
                    location: config.fleet?.sourceLocation ?? SourceLocation(file: config.file, line: 0, column: 0), path: "fleet",
                    message: "--shard \(shard) and fleet: exclude each other: a fleet shares the components itself (drop --shard)")])
            }
        } catch {
            for e in error.errors { printError(e.description) }
            throw ExitCode(ExitCodes.config)
        }
        guard let drain = Units.duration(drainDelay) else {
            printError("--drain-delay: not a duration: \(drainDelay)")
            throw ExitCode(ExitCodes.config)
        }
        let daemon: Daemon
        do {
            // What `validate` refuses about storage, said the same way (file, line, column).
            let refused = Preflight.storage(of: config)
            guard refused.isEmpty else { throw ConfigErrors(refused) }
            let storage = try await Daemon.openStorage(config.storage, location: config.fleet?.location ?? FleetSpec.defaultLocation, logger: logger)
            daemon = try Daemon(config: config, configPath: options.config, location: location, shard: shard, drainDelay: drain, storage: storage, logger: logger)
        } catch let errors as ConfigErrors {
            for e in errors.errors { printError(e.description) }
            throw ExitCode(ExitCodes.config)
        } catch {
            printError("\(config.file): \(error)")
            throw ExitCode(ExitCodes.config)
        }
        do {
            try await daemon.run()
        } catch let error as ListenError {
            printError(error.description)
            throw ExitCode(ExitCodes.listen)
        }
        // The daemon has stopped and said so; what it owns is released. A normal exit would now
        // run libc's exit handlers, OpenSSL's global cleanup among them, while threads libcurl,
        // libpq or the cooperative pool still own (an abandoned TLS handshake finishing on an
        // executor thread) may be inside libcrypto: a segfault in about one stop in ten with
        // https probes in flight. Nothing is left to flush (log lines are single write(2)s), so
        // the process ends here without running those handlers.
        fflush(nil)
        _exit(0)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
extension Shard: ExpressibleByArgument {}

enum Logging {
    static func make(level: Logger.Level, format: LogFormat) -> Logger {
        LoggingSystem.bootstrap { _ in LineLogHandler(format: format, logLevel: level) }
        var logger = Logger(label: "vitals")
        logger.logLevel = level
        return logger
    }
}

