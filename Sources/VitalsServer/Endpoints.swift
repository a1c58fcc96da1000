/// Every endpoint the server answers, one entry each: its path, methods, who may call it, and
/// its handler (in the file of its concern). A new endpoint is an entry here, its handler, and
/// its description in api/openapi.json (`OpenAPITests` fails until the two agree).
extension RouteTable {
    static let vitals = RouteTable([
        // Kubernetes probes: on the event loop, the hot answers cached whole (ProbeRoutes.swift).
        Route("/health/live", aliases: ["/livez"], .open, .inline { $0.live($1) }),
        Route("/health/ready", aliases: ["/readyz"], .open, .inline { $0.ready($1) }),
        Route("/health/group/{group}", .open, .inline { $0.group($1) }),
        Route("/health/startup", .open, .inline { $0.startup($1) }),
        Route("/health", .open, .inline { $0.health($1) }),
        // Reports on the whole snapshot (ReportRoutes.swift).
        Route("/health/detailed", .token, .rendered { $0.detailed($1) }),
        Route("/metrics", .token, .rendered { $0.metrics($1) }),
        Route("/alerts", .token, .rendered { $0.alerts($1) }),
        Route("/api/v1/fleet", .token, .rendered { $0.fleet($1) }),
        Route("/api/v1/openapi.json", .token, .rendered { $0.openAPI($1) }),
        // Alerting (AlertAck.swift).
        Route("/api/v1/alerts/{id}/ack", methods: ["POST"], .token, .rendered { $0.acknowledge($1) }, decodesParameters: true),
        // Push monitors (PushRequest.swift): the component's own token, not the API's.
        Route("/api/v1/push/{name}", methods: ["GET", "HEAD", "POST"], .push, .reads { await $0.push($1) }),
        // Incidents people write (IncidentRoutes.swift).
        Route("/api/v1/incidents", methods: ["GET", "HEAD", "POST"], .token, .reads { routes, call in
            call.request.method == "POST" ? await routes.postIncident(call) : await routes.listIncidents(call)
        }),
        Route("/api/v1/incidents/{id}/updates", methods: ["POST"], .token, .reads { await $0.postIncidentUpdate($1) }),
        // The components API, from storage (ComponentsAPIRoutes.swift).
        Route("/api/v1/components", .token, .reads { await $0.componentList($1) }),
        Route("/api/v1/components/{name}", .token, .reads { await $0.componentSummary($1) }),
        Route("/api/v1/components/{name}/history", .token, .reads { await $0.componentHistory($1) }),
        Route("/api/v1/components/{name}/transitions", .token, .reads { await $0.componentTransitions($1) }),
        Route("/api/v1/components/{name}/uptime", .token, .reads { await $0.componentUptime($1) }),
        // SLOs from the roll-ups and the minute rings (SLORoutes.swift).
        Route("/api/v1/slos", .token, .reads { await $0.sloList($1) }),
        Route("/api/v1/components/{name}/slo", .token, .reads { await $0.componentSLO($1) }),
        // Pages (PageRoutes.swift) and badges (BadgeEndpoint.swift): public with `public_status`.
        Route("/", .statusPage, .reads { await $0.statusPage($1) }),
        Route("/components/{name}", .statusPage, .reads { await $0.componentPage($1) }),
        // `status_pages:` (StatusPagesRoutes.swift): public when the page is.
        Route("/status/{slug}", .statusPage, .reads { await $0.statusPage($1) }),
        Route("/status/{slug}/logo.svg", .statusPage, .rendered { $0.pageLogo($1) }),
        Route("/status/{slug}/components/{name}", .statusPage, .reads { await $0.componentPage($1) }),
        Route("/status/{slug}/feed.atom", .statusPage, .reads { await $0.pageFeed($1) }),
        Route("/feed.atom", .statusPage, .reads { await $0.pageFeed($1) }),
        Route("/badge/{name}/status.svg", .statusPage, .reads { await $0.badge($1, .status, .svg) }),
        Route("/badge/{name}/status.json", .statusPage, .reads { await $0.badge($1, .status, .json) }),
        Route("/badge/{name}/uptime/{window}.svg", .statusPage, .reads { await $0.badge($1, .uptime, .svg) }),
        Route("/badge/{name}/uptime/{window}.json", .statusPage, .reads { await $0.badge($1, .uptime, .json) }),
        Route("/badge/{name}/latency/{window}.svg", .statusPage, .reads { await $0.badge($1, .latency, .svg) }),
        Route("/badge/{name}/latency/{window}.json", .statusPage, .reads { await $0.badge($1, .latency, .json) }),
    ])
}
