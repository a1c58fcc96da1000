import ArgumentParser
import VitalsConfig
import VitalsCore

/// `vitals validate`: every problem as `FILE:LINE:COLUMN: message`; exit 0 valid, 1 invalid.
/// It runs every check `run` runs (`Preflight`), so exit 0 means `run` starts.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Parse and validate a config.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        do throws(ConfigErrors) {
            let config = try ConfigSource.load(options.config)
            var problems = Preflight.storage(of: config)
            do {
                _ = try Preflight.components(of: config)
            } catch {
                problems = error.errors + problems
            }
            guard problems.isEmpty else { throw ConfigErrors(problems) }
            print("\(config.file): ok (\(config.components.count) components)")
        } catch {
            for e in error.errors { printError(e.description) }
            printError("\(error.errors.count) problem\(error.errors.count == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
    }
}
