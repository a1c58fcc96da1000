/// The reports on the whole snapshot, rendered off the event loop so that a scrape never holds
/// up kubelet: `/health/detailed`, `/metrics`, `/alerts` and the OpenAPI document.
extension HealthRoutes {
    func detailed(_ call: RouteCall) -> HealthAnswer {
        var snapshot = source.snapshot()
        // `?scope=all`: also the components other shards probe (spec section 8).
        if call.query.first("scope") == "all" { snapshot.components = snapshot.allComponents }
        let wantsIETF = call.request.accept?.contains("application/health+json") ?? false
        return HealthAnswer(wantsIETF ? DetailedReport.healthJSON(snapshot) : DetailedReport.json(snapshot))
    }

    func metrics(_ call: RouteCall) -> HealthAnswer {
        let body = MetricsRenderer.render(source.snapshot(), lag: source.schedulerLag(), extra: extras.metrics(), service: extras.serviceName())
        return HealthAnswer(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
    }

    func alerts(_ call: RouteCall) -> HealthAnswer {
        guard let alerts = extras.alerts else { return .plain(404, "alerting is not configured\n") }
        return HealthAnswer(status: 200, contentType: "application/json", body: alerts())
    }

    func fleet(_ call: RouteCall) -> HealthAnswer {
        guard let fleet = extras.fleet else { return .plain(404, "not a fleet member (no fleet: in the config)\n") }
        return HealthAnswer(status: 200, contentType: "application/json", body: fleet())
    }

    func openAPI(_ call: RouteCall) -> HealthAnswer {
        HealthAnswer(status: 200, contentType: "application/json", body: OpenAPIDocument.json)
    }
}
