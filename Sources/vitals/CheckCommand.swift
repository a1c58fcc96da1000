import ArgumentParser
import Foundation
import VitalsConfig
import VitalsCore
import VitalsProbes

/// `vitals check`: probes every (or the named) component once, prints the results, and exits
/// with the Nagios code of what it found: 0 healthy, 1 degraded, 2 unhealthy, 3 config or
/// internal error. Without `--component` the code is the service status (criticality applies);
/// with it, the worst status of the named components. With `--push-gateway` the results also go
/// to a Prometheus Pushgateway; a push that fails is exit 3, after the results are printed.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Probe once, print results, exit with the Nagios code.")

    enum Format: String, ExpressibleByArgument { case table, json }

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "Only this component (repeatable).")
    var component: [String] = []

    @Option(name: .long, help: "table or json.")
    var format: Format = .table

    @Option(name: .customLong("push-gateway"), help: "Also push the results as metrics to this Prometheus Pushgateway (http://host:9091).")
    var pushGateway: String?

    @Option(name: .long, help: "The Pushgateway job (grouping key) the results replace; default vitals.")
    var job: String?

    func run() async throws {
        var gateway: PushGateway?
        do throws(PushError) {
            if let pushGateway {
                gateway = try PushGateway(url: pushGateway, job: job ?? "vitals")
            } else if job != nil {
                throw PushError("--job names the group of --push-gateway: give both")
            }
        } catch {
            printError(error.description)
            throw ExitCode(ExitCodes.checkUnknown)
        }
        let config: Config
        do {
            config = try ConfigSource.load(options.config)
        } catch {
            for e in error.errors { printError(e.description) }
            throw ExitCode(ExitCodes.checkUnknown)
        }
        var specs = config.components
        if !component.isEmpty {
            let known = Set(specs.map(\.name))
            for name in component where !known.contains(name) {
                printError("no component named '\(name)'")
                throw ExitCode(ExitCodes.checkUnknown)
            }
            specs = specs.filter { component.contains($0.name) }
            if let pushed = specs.first(where: { $0.probe.kind.isPushed }) {
                printError("'\(pushed.name)' is a push component: only a running daemon sees its pushes")
                throw ExitCode(ExitCodes.checkUnknown)
            }
        }
        // Push components are fed from outside: a one-shot check has nothing to judge them by.
        specs = specs.filter { !$0.probe.kind.isPushed }
        let probes: [(ComponentSpec, any Probe)]
        do {
            // Every component, like `run`: a config `run` refuses is not checked in part.
            let all = try Preflight.components(of: config)
            let wanted = Set(specs.map(\.name))
            probes = all.filter { wanted.contains($0.spec.name) }.map { ($0.spec, $0.probe) }
        } catch {
            for e in error.errors { printError(e.description) }
            throw ExitCode(ExitCodes.checkUnknown)
        }
        let results = await withTaskGroup(of: (Int, ProbeResult).self) { group in
            for (i, (spec, probe)) in probes.enumerated() {
                group.addTask { (i, await ProbeRun.run(probe, timeout: spec.timeout, clock: ContinuousClock()).result) }
            }
            var out = [ProbeResult?](repeating: nil, count: probes.count)
            for await (i, r) in group { out[i] = r }
            return out.map { $0! }
        }
        let rows = zip(probes, results).map { pair, result in
            let judgement = Judge.judge(result, thresholds: pair.0.thresholds)
            return CheckRow(spec: pair.0, result: result, status: judgement.status, message: judgement.message(for: result))
        }
        // The whole service by the daemon's rule; named components each as critical, so the
        // answer is the worst of their own statuses.
        let t = Aggregation.tally(rows.map { (critical: $0.spec.critical || !component.isEmpty, status: $0.status) })
        let overall = Aggregation.serviceStatus(critical: t.critical, nonCritical: t.nonCritical, unknown: .asItself)
        print(format == .json ? CheckRow.json(rows, overall: overall) : CheckRow.table(rows, overall: overall), terminator: "")
        if let gateway {
            let text = PushGateway.exposition(rows, service: component.isEmpty ? overall : nil, name: config.service.name, at: Date())
            do throws(PushError) {
                try await gateway.push(text)
            } catch {
                printError(error.description)
                throw ExitCode(ExitCodes.checkUnknown)
            }
        }
        throw ExitCode(overall.nagiosExitCode)
    }
}

private func min(_ a: HealthStatus, _ b: HealthStatus) -> HealthStatus { a.severity <= b.severity ? a : b }

/// One line of `check` output.
struct CheckRow {
    var spec: ComponentSpec
    var result: ProbeResult
    var status: HealthStatus
    /// As the daemon shows it: the probe's message plus the threshold crossed.
    var message: String

    static func table(_ rows: [CheckRow], overall: HealthStatus) -> String {
        let nameWidth = max(9, rows.map(\.spec.name.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var out = pad("COMPONENT", nameWidth) + "  " + pad("TYPE", 8) + "  " + pad("STATUS", 9) + "  " + pad("LATENCY", 9) + "  MESSAGE\n"
        for r in rows {
            let latency = String(format: "%.1fms", r.result.latency.seconds * 1000)
            out += pad(r.spec.name, nameWidth) + "  " + pad(r.spec.type, 8) + "  " + pad(r.status.rawValue, 9) + "  "
                + pad(latency, 9) + "  " + r.message + "\n"
        }
        out += "\n\(overall.rawValue.uppercased())\n"
        return out
    }

    /// Observations by name, numbers as numbers, as in `/health/detailed`.
    private static func observations(_ result: ProbeResult) -> [String: Any] {
        var out: [String: Any] = [:]
        for o in result.observations {
            switch o.value {
            case .number(let v) where v.isFinite: out[o.name] = v
            case .number: continue
            case .text(let t): out[o.name] = t
            }
        }
        return out
    }

    static func json(_ rows: [CheckRow], overall: HealthStatus) -> String {
        let items: [[String: Any]] = rows.map { r in
            [
                "name": r.spec.name, "type": r.spec.type, "critical": r.spec.critical, "status": r.status.rawValue,
                "success": r.result.success, "latency_ms": (r.result.latency.seconds * 1_000_000).rounded() / 1000,
                "message": r.message, "observations": observations(r.result),
                "conditions": r.result.conditions.map { ["condition": $0.condition, "passed": $0.passed, "observed": $0.observed] as [String: Any] },
            ]
        }
        let object: [String: Any] = ["status": overall.rawValue, "components": items]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
