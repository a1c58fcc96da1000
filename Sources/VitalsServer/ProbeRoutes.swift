/// The Kubernetes probe endpoints: answered on the event loop from the published state, the
/// hot ones (`ready` without a query, `startup`, `health`) cached whole per generation.
extension HealthRoutes {
    func live(_ call: RouteCall) -> HealthAnswer {
        HealthAnswer(ProbeEndpoints.live(source.liveness(), verbose: call.query.has("verbose")))
    }

    func ready(_ call: RouteCall) -> HealthAnswer {
        let query = call.query
        let verbose = query.has("verbose")
        let excluded = query.isEmpty ? [] : Set(query.all("exclude"))
        if !verbose && excluded.isEmpty {
            return cached(.ready) { ProbeEndpoints.ready(source.readiness(group: nil, excluding: [])!, verbose: false) }
        }
        return HealthAnswer(ProbeEndpoints.ready(source.readiness(group: nil, excluding: excluded)!, verbose: verbose))
    }

    func group(_ call: RouteCall) -> HealthAnswer {
        let query = call.query
        let name = call["group"]
        let excluded = query.isEmpty ? [] : Set(query.all("exclude"))
        guard let view = source.readiness(group: name, excluding: excluded) else { return .plain(404, "unknown group\n") }
        return HealthAnswer(ProbeEndpoints.ready(view, verbose: query.has("verbose"), name: "group \(name)"))
    }

    func startup(_ call: RouteCall) -> HealthAnswer {
        cached(.startup) { ProbeEndpoints.startup(source.snapshot()) }
    }

    func health(_ call: RouteCall) -> HealthAnswer {
        cached(.health) { ProbeEndpoints.health(source.snapshot()) }
    }
}
