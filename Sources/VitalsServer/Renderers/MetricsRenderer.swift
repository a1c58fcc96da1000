import Foundation
import VitalsCore

/// `/metrics`: spec section 6, rendered from the snapshot. Scraping never runs a probe and
/// never answers 503: an unhealthy service is a value of a gauge, not an HTTP error.
///
/// `vitals check --push-gateway` pushes one run's results through the same code
/// (`renderPush`), so a dashboard or an alert rule reads the same names from either.
public enum MetricsRenderer {
    /// `service`: the configured `service.name`, the `service` label of `vitals_build_info`.
    public static func render(_ s: HealthSnapshot, lag: Histogram, extra: String = "", service: String = "vitals") -> String {
        var m = PrometheusText()
        header(&m, service: s.status, name: service)
        m.family("vitals_startup_complete", "gauge", "1 once every component has had a first result.")
        m.sample("vitals_startup_complete", [], s.startupComplete ? 1 : 0)
        components(&m, s.components, oneShot: false)

        m.family("vitals_scheduler_lag_seconds", "histogram", "How late probes start (actual minus planned start).")
        m.histogram("vitals_scheduler_lag_seconds", [], lag)

        m.append(raw: extra)

        let p = ProcessMetrics.read()
        m.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.")
        m.sample("process_cpu_seconds_total", [], p.cpuSeconds)
        m.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
        m.sample("process_resident_memory_bytes", [], p.residentBytes)
        m.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.")
        m.sample("process_virtual_memory_bytes", [], p.virtualBytes)
        m.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
        m.sample("process_start_time_seconds", [], p.startTimeSeconds)
        m.family("process_open_fds", "gauge", "Number of open file descriptors.")
        m.sample("process_open_fds", [], p.openFDs)
        m.family("process_max_fds", "gauge", "Maximum number of open file descriptors.")
        m.sample("process_max_fds", [], p.maxFDs)
        return m.out
    }

    /// One `vitals check` run for a Prometheus Pushgateway: the families of `/metrics` that
    /// mean something for a single run, under the same names and labels.
    ///
    /// Only gauges: a push replaces the group, so a counter or a histogram would restart at
    /// one observation every run, and `rate()` or `histogram_quantile()` over it would be
    /// nonsense. `vitals_probe_duration_seconds` is therefore this run's duration as a gauge
    /// (like blackbox_exporter's `probe_duration_seconds`), not the daemon's histogram;
    /// `vitals_probes_total`, skipped runs, consecutive failures, scheduler lag and process
    /// metrics are left out. `service` is nil when only some components were checked: their
    /// worst status is not the service's.
    public static func renderPush(_ comps: [ComponentSnapshot], service: HealthStatus?, name: String = "vitals") -> String {
        var m = PrometheusText()
        header(&m, service: service, name: name)
        components(&m, comps, oneShot: true)
        return m.out
    }

    /// In a fleet with locations: each location's status and latency, beside the families
    /// above (which show the quorum's verdict and this process's own probes), so that a
    /// dashboard draws the locations side by side and no existing series changes its labels.
    private static func locations(
        _ m: inout PrometheusText, _ comps: [ComponentSnapshot], labels: (ComponentSnapshot) -> [(String, String)]
    ) {
        m.family("vitals_location_status", "gauge", "Each location's status of a component (after its own hysteresis) as a state set.")
        for c in comps {
            for r in c.locations {
                for status in HealthStatus.allCases {
                    m.sample("vitals_location_status", labels(c) + [("location", r.location), ("status", status.rawValue)], r.status == status ? 1 : 0)
                }
            }
        }
        m.family("vitals_location_probe_duration_seconds", "gauge", "Duration of each location's last probe of a component.")
        for c in comps {
            for r in c.locations { if let l = r.latency { m.sample("vitals_location_probe_duration_seconds", labels(c) + [("location", r.location)], l.seconds) } }
        }
        m.family("vitals_location_counted", "gauge", "1 when the location's report counts toward the quorum; 0 when stale or its canary fails.")
        for c in comps {
            guard let v = c.verdict else { continue }
            for r in c.locations { m.sample("vitals_location_counted", labels(c) + [("location", r.location)], v.counted.contains(r.location) ? 1 : 0) }
        }
        m.family("vitals_component_partial", "gauge", "1 when some locations fail, fewer than the quorum (the component is then degraded).")
        for c in comps {
            guard let v = c.verdict else { continue }
            m.sample("vitals_component_partial", labels(c), v.partial ? 1 : 0)
        }
    }

    private static func header(_ m: inout PrometheusText, service: HealthStatus?, name: String) {
        m.family("vitals_build_info", "gauge", "Vitals build information.")
        m.sample(
            "vitals_build_info", [("version", VitalsVersion.current), ("revision", VitalsVersion.revision), ("service", name)], 1)
        guard let service else { return }
        m.family("vitals_service_status", "gauge", "Service status as a state set: 1 for the current status.")
        for status in HealthStatus.allCases {
            m.sample("vitals_service_status", [("status", status.rawValue)], service == status ? 1 : 0)
        }
    }

    /// The per-component families; `oneShot` leaves out what only a running daemon accumulates.
    private static func components(_ m: inout PrometheusText, _ comps: [ComponentSnapshot], oneShot: Bool) {
        func labels(_ c: ComponentSnapshot) -> [(String, String)] { [("component", c.name), ("type", c.spec.type)] }

        m.family("vitals_component_status", "gauge", "Component status as a state set: 1 for the current status.")
        for c in comps {
            for status in HealthStatus.allCases {
                m.sample("vitals_component_status", labels(c) + [("status", status.rawValue)], c.status == status ? 1 : 0)
            }
        }
        m.family("vitals_probe_success", "gauge", "Whether the last probe succeeded (0/1).")
        for c in comps {
            guard let r = c.lastResult else { continue }
            m.sample("vitals_probe_success", labels(c), r.success ? 1 : 0)
        }
        if oneShot {
            m.family("vitals_probe_duration_seconds", "gauge", "Duration of this run's probe as the probe measured it.")
            for c in comps {
                guard let r = c.lastResult else { continue }
                m.sample("vitals_probe_duration_seconds", labels(c), r.latency.seconds)
            }
        } else {
            m.family("vitals_probe_duration_seconds", "histogram", "Probe duration as the probe measured it.")
            for c in comps { m.histogram("vitals_probe_duration_seconds", labels(c), c.counters.duration) }
        }

        m.family("vitals_probe_phase_duration_seconds", "gauge", "Phase durations of the last HTTP probe.")
        for c in comps {
            for p in c.lastResult?.phases ?? [] {
                m.sample("vitals_probe_phase_duration_seconds", labels(c) + [("phase", p.name)], p.seconds)
            }
        }
        // Every numeric observation of the last result, exec perfdata included, as
        // blackbox_exporter users read `probe_*` gauges (spec section 6). Text observations
        // (server versions, roles) stay in /health/detailed.
        m.family("vitals_probe_observation", "gauge", "Numeric observations of the last probe, by name.")
        for c in comps {
            for o in c.lastResult?.observations ?? [] {
                guard case .number(let v) = o.value else { continue }
                m.sample("vitals_probe_observation", labels(c) + [("name", o.name)], v)
            }
        }
        if !oneShot && comps.contains(where: { $0.verdict != nil }) { locations(&m, comps, labels: labels) }
        if !oneShot {
            m.family("vitals_probes_total", "counter", "Probe runs by result.")
            for c in comps {
                m.sample("vitals_probes_total", labels(c) + [("result", "success")], Double(c.counters.successes))
                m.sample("vitals_probes_total", labels(c) + [("result", "failure")], Double(c.counters.failures))
            }
            m.family("vitals_probe_runs_skipped_total", "counter", "Runs that could not start on time and were skipped.")
            for c in comps { m.sample("vitals_probe_runs_skipped_total", labels(c), Double(c.counters.skippedRuns)) }

            m.family("vitals_component_consecutive_failures", "gauge", "Consecutive unhealthy judgements.")
            for c in comps { m.sample("vitals_component_consecutive_failures", labels(c), Double(c.consecutiveFailures)) }
        }
        m.family("vitals_component_last_success_timestamp_seconds", "gauge", "When the last successful probe ended.")
        for c in comps {
            guard let t = c.lastSuccess else { continue }
            m.sample("vitals_component_last_success_timestamp_seconds", labels(c), t.timeIntervalSince1970)
        }

        observationGauge(&m, comps, "vitals_http_status_code", "HTTP status code of the last probe.", from: "status_code", labels: labels)
        observationGauge(
            &m, comps, "vitals_tls_cert_expiry_timestamp_seconds", "When the leaf certificate expires (unix seconds).",
            from: "cert_expiry_timestamp", labels: labels)
        observationGauge(
            &m, comps, "vitals_disk_used_ratio", "Used share of the filesystem (0-1).", from: "used_percent", scale: 0.01, labels: labels)
        observationGauge(
            &m, comps, "vitals_memory_available_ratio", "Available share of memory (0-1).", from: "available_percent", scale: 0.01,
            labels: labels)
    }

    private static func observationGauge(
        _ m: inout PrometheusText, _ comps: [ComponentSnapshot], _ name: String, _ help: String, from observation: String,
        scale: Double = 1, labels: (ComponentSnapshot) -> [(String, String)]
    ) {
        let values = comps.compactMap { c -> (ComponentSnapshot, Double)? in
            guard case .number(let v)? = c.lastResult?.observation(observation) else { return nil }
            return (c, v * scale)
        }
        guard !values.isEmpty else { return }
        m.family(name, "gauge", help)
        for (c, v) in values { m.sample(name, labels(c), v) }
    }
}
