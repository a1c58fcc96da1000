/// `GET /api/v1/openapi.json`: an OpenAPI 3.1 description of every endpoint, written by hand
/// beside the routes it describes. It is checked three ways: `OpenAPITests` (every path routes,
/// every route is described), `openapi-spec-validator`, and a schemathesis run against a live
/// daemon in `make test` (`scripts/api-check.sh`), which finds any answer whose status, content
/// type or body the document does not describe.
///
/// Bodies are described by what every answer has (`required`), not closed to additions: a new
/// field is not a break for clients, a missing or retyped one is.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Vitals",
    "version": "\#(VitalsVersion.current)",
    "description": "Health checks and synthetic probes: Kubernetes probe endpoints, reports, Prometheus metrics, alerts, history and badges. Every endpoint answers GET and HEAD (the acknowledgement: POST); other methods are 405. With `server.detailed_token_file` set, every operation marked with the bearer scheme needs `Authorization: Bearer <token>` (this document included, as all of `/api/`); the probe endpoints never do and never show a probe message."
  },
  "security": [{"bearer": []}],
  "tags": [{"name": "probes"}, {"name": "reports"}, {"name": "alerts"}, {"name": "api"}, {"name": "badges"}, {"name": "pages"}],
  "paths": {
    "/health/live": {
      "get": {
        "summary": "Liveness",
        "description": "200 while the scheduler makes progress, 503 once it has stalled. Never looks at dependencies. `?verbose` answers kube-apiserver's text (`[+]name ok` lines).",
        "tags": ["probes"],
        "parameters": [{"$ref": "#/components/parameters/verbose"}],
        "security": [],
        "responses": {"200": {"$ref": "#/components/responses/VerdictPass"}, "503": {"$ref": "#/components/responses/VerdictFail"}}
      }
    },
    "/livez": {"$ref": "#/paths/~1health~1live"},
    "/health/ready": {
      "get": {
        "summary": "Readiness",
        "description": "200 once startup is complete and the service is healthy or degraded; 503 when it is unhealthy, starting or draining. `?exclude=NAME` (repeatable) leaves components out; `?verbose` answers one line per component.",
        "tags": ["probes"],
        "parameters": [{"$ref": "#/components/parameters/verbose"}, {"$ref": "#/components/parameters/exclude"}],
        "security": [],
        "responses": {"200": {"$ref": "#/components/responses/ReadinessPass"}, "503": {"$ref": "#/components/responses/ReadinessFail"}}
      }
    },
    "/readyz": {"$ref": "#/paths/~1health~1ready"},
    "/health/startup": {
      "get": {
        "summary": "Startup",
        "tags": ["probes"],
        "security": [],
        "responses": {
          "200": {
            "description": "every component has a first result (sticky once true)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Startup"}}}
          },
          "503": {
            "description": "some component has no result yet",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Startup"}}}
          }
        },
        "operationId": "startup"
      }
    },
    "/health": {
      "get": {
        "summary": "Service status",
        "tags": ["probes"],
        "security": [],
        "responses": {
          "200": {
            "description": "the service is healthy or degraded",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ServiceHealth"}}}
          },
          "503": {
            "description": "the service is unhealthy",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ServiceHealth"}}}
          }
        },
        "operationId": "health"
      }
    },
    "/health/group/{group}": {
      "get": {
        "summary": "Readiness of a group",
        "description": "Like readiness, over the group's members. 404 for a group the config does not have.",
        "tags": ["probes"],
        "parameters": [
          {"$ref": "#/components/parameters/groupName"},
          {"$ref": "#/components/parameters/verbose"},
          {"$ref": "#/components/parameters/exclude"}
        ],
        "security": [],
        "responses": {
          "200": {"$ref": "#/components/responses/ReadinessPass"},
          "503": {"$ref": "#/components/responses/ReadinessFail"},
          "404": {"$ref": "#/components/responses/NotFound"}
        },
        "operationId": "group"
      }
    },
    "/health/detailed": {
      "get": {
        "summary": "Detailed report",
        "tags": ["reports"],
        "parameters": [{"$ref": "#/components/parameters/scope"}],
        "responses": {
          "200": {
            "description": "every component with its last result, thresholds, uptime and recent history; the IETF health-check draft's format when `Accept` asks for `application/health+json`",
            "content": {
              "application/json": {"schema": {"$ref": "#/components/schemas/DetailedReport"}},
              "application/health+json": {"schema": {"$ref": "#/components/schemas/HealthJSON"}}
            }
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "detailed"
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics",
        "tags": ["reports"],
        "responses": {
          "200": {
            "description": "text exposition format 0.0.4; never 503, never runs a probe",
            "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "metrics"
      }
    },
    "/alerts": {
      "get": {
        "summary": "Alerts",
        "tags": ["alerts"],
        "responses": {
          "200": {
            "description": "firing, pending, acknowledged and recently resolved alerts with their notification attempts",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alerts"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "alerts"
      }
    },
    "/api/v1/alerts/{id}/ack": {
      "post": {
        "summary": "Acknowledge an alert",
        "tags": ["alerts"],
        "parameters": [{"$ref": "#/components/parameters/alertId"}],
        "responses": {
          "200": {
            "description": "acknowledged: no more repeats until it resolves (the resolve is still sent); the alert as /alerts lists it",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alert"}}}
          },
          "400": {"description": "the body is not a JSON object with a one-line `by` (and an optional `comment`) within their limits", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"description": "no alert with this id is firing", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "413": {"description": "a body over 64 KiB", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "415": {"description": "a body that is not application/json", "content": {"text/plain": {"schema": {"type": "string"}}}}
        },
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Acknowledgement"}}}},
        "operationId": "ackAlert"
      }
    },
    "/api/v1/components": {
      "get": {
        "summary": "Every component",
        "tags": ["api"],
        "responses": {
          "200": {
            "description": "status, since, last check, and uptime with coverage over 1h, 24h, 7d and 30d",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ComponentList"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/StorageUnavailable"}
        },
        "operationId": "components"
      }
    },
    "/api/v1/components/{name}": {
      "get": {
        "summary": "One component",
        "tags": ["api"],
        "parameters": [{"$ref": "#/components/parameters/componentName"}],
        "responses": {
          "200": {
            "description": "as in /health/detailed, plus uptime by window",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ComponentDetail"}}}
          },
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/StorageUnavailable"}
        },
        "operationId": "component"
      }
    },
    "/api/v1/components/{name}/history": {
      "get": {
        "summary": "Results",
        "tags": ["api"],
        "parameters": [
          {"$ref": "#/components/parameters/componentName"},
          {"$ref": "#/components/parameters/since"},
          {"$ref": "#/components/parameters/until"},
          {"$ref": "#/components/parameters/limit"},
          {"$ref": "#/components/parameters/cursor"}
        ],
        "responses": {
          "200": {
            "description": "results newest first; `next_cursor` pages on",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HistoryPage"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/StorageUnavailable"}
        },
        "operationId": "history"
      }
    },
    "/api/v1/components/{name}/transitions": {
      "get": {
        "summary": "Status changes",
        "tags": ["api"],
        "parameters": [
          {"$ref": "#/components/parameters/componentName"},
          {"$ref": "#/components/parameters/since"},
          {"$ref": "#/components/parameters/until"},
          {"$ref": "#/components/parameters/limit"},
          {"$ref": "#/components/parameters/cursor"}
        ],
        "responses": {
          "200": {
            "description": "status changes (incidents) newest first, paged like the results",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransitionsPage"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/StorageUnavailable"}
        },
        "operationId": "transitions"
      }
    },
    "/api/v1/components/{name}/uptime": {
      "get": {
        "summary": "Uptime over a window",
        "tags": ["api"],
        "parameters": [
          {"$ref": "#/components/parameters/componentName"},
          {"name": "window", "in": "query", "required": false, "description": "24h when absent", "schema": {"$ref": "#/components/schemas/Window"}}
        ],
        "responses": {
          "200": {
            "description": "time-weighted uptime with its coverage; per bucket (hourly up to 7d, daily beyond) seconds per status and latency",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Uptime"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/StorageUnavailable"}
        },
        "operationId": "uptime"
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "summary": "This document",
        "tags": ["api"],
        "responses": {
          "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "openapi"
      }
    },
    "/": {
      "get": {
        "summary": "Status page",
        "tags": ["pages"],
        "responses": {
          "200": {
            "description": "overall status and every component by group, with uptime, history strips and incidents; refreshes itself, no JavaScript",
            "content": {"text/html": {"schema": {"type": "string"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "statusPage"
      }
    },
    "/components/{name}": {
      "get": {
        "summary": "Component page",
        "tags": ["pages"],
        "parameters": [{"$ref": "#/components/parameters/componentName"}],
        "responses": {
          "200": {
            "description": "status, latency charts, uptime by window, transitions and the last results",
            "content": {"text/html": {"schema": {"type": "string"}}}
          },
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "componentPage"
      }
    },
    "/badge/{name}/status.svg": {
      "get": {
        "summary": "Badge: the component's status (svg)",
        "tags": ["badges"],
        "parameters": [{"$ref": "#/components/parameters/componentName"}, {"$ref": "#/components/parameters/ifNoneMatch"}],
        "responses": {
          "200": {"$ref": "#/components/responses/BadgeSVG"},
          "304": {"$ref": "#/components/responses/NotModified"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "badgeStatusSVG"
      }
    },
    "/badge/{name}/status.json": {
      "get": {
        "summary": "Badge: the component's status (json)",
        "tags": ["badges"],
        "parameters": [{"$ref": "#/components/parameters/componentName"}, {"$ref": "#/components/parameters/ifNoneMatch"}],
        "responses": {
          "200": {"$ref": "#/components/responses/BadgeJSON"},
          "304": {"$ref": "#/components/responses/NotModified"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "badgeStatusJSON"
      }
    },
    "/badge/{name}/uptime/{window}.svg": {
      "get": {
        "summary": "Badge: uptime over the window (svg)",
        "tags": ["badges"],
        "parameters": [
          {"$ref": "#/components/parameters/componentName"},
          {"$ref": "#/components/parameters/badgeWindow"},
          {"$ref": "#/components/parameters/ifNoneMatch"}
        ],
        "responses": {
          "200": {"$ref": "#/components/responses/BadgeSVG"},
          "304": {"$ref": "#/components/responses/NotModified"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "badgeUptimeSVG"
      }
    },
    "/badge/{name}/uptime/{window}.json": {
      "get": {
        "summary": "Badge: uptime over the window (json)",
        "tags": ["badges"],
        "parameters": [
          {"$ref": "#/components/parameters/componentName"},
          {"$ref": "#/components/parameters/badgeWindow"},
          {"$ref": "#/components/parameters/ifNoneMatch"}
        ],
        "responses": {
          "200": {"$ref": "#/components/responses/BadgeJSON"},
          "304": {"$ref": "#/components/responses/NotModified"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "badgeUptimeJSON"
      }
    },
    "/badge/{name}/latency/{window}.svg": {
      "get": {
        "summary": "Badge: average latency over the window (svg)",
        "tags": ["badges"],
        "parameters": [
          {"$ref": "#/components/parameters/componentName"},
          {"$ref": "#/components/parameters/badgeWindow"},
          {"$ref": "#/components/parameters/ifNoneMatch"}
        ],
        "responses": {
          "200": {"$ref": "#/components/responses/BadgeSVG"},
          "304": {"$ref": "#/components/responses/NotModified"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "badgeLatencySVG"
      }
    },
    "/badge/{name}/latency/{window}.json": {
      "get": {
        "summary": "Badge: average latency over the window (json)",
        "tags": ["badges"],
        "parameters": [
          {"$ref": "#/components/parameters/componentName"},
          {"$ref": "#/components/parameters/badgeWindow"},
          {"$ref": "#/components/parameters/ifNoneMatch"}
        ],
        "responses": {
          "200": {"$ref": "#/components/responses/BadgeJSON"},
          "304": {"$ref": "#/components/responses/NotModified"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        },
        "operationId": "badgeLatencyJSON"
      }
    }
  },
  "components": {
    "schemas": {
      "Status": {"type": "string", "enum": ["healthy", "degraded", "unhealthy", "unknown"]},
      "Window": {"type": "string", "enum": ["1h", "24h", "7d", "30d", "90d", "365d"]},
      "Verdict": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["pass", "fail"]}}},
      "Readiness": {
        "type": "object",
        "required": ["status", "service", "startup_complete", "failing"],
        "properties": {
          "status": {"type": "string", "enum": ["pass", "fail"]},
          "service": {"$ref": "#/components/schemas/Status"},
          "startup_complete": {"type": "boolean"},
          "draining": {"type": "boolean"},
          "failing": {"type": "array", "items": {"type": "string"}, "description": "the failing components' names"}
        }
      },
      "Startup": {
        "type": "object",
        "required": ["status", "components", "pending"],
        "properties": {
          "status": {"type": "string", "enum": ["pass", "fail"]},
          "components": {"type": "integer", "minimum": 0},
          "pending": {"type": "integer", "minimum": 0}
        }
      },
      "ServiceHealth": {
        "type": "object",
        "required": ["status", "components"],
        "properties": {
          "status": {"$ref": "#/components/schemas/Status"},
          "components": {
            "type": "object",
            "required": ["healthy", "degraded", "unhealthy", "unknown"],
            "properties": {
              "healthy": {"type": "integer", "minimum": 0},
              "degraded": {"type": "integer", "minimum": 0},
              "unhealthy": {"type": "integer", "minimum": 0},
              "unknown": {"type": "integer", "minimum": 0}
            }
          }
        }
      },
      "HistoryEntry": {
        "type": "object",
        "required": ["at", "status", "latency_ms", "message"],
        "properties": {
          "at": {"type": "string", "format": "date-time"},
          "status": {"$ref": "#/components/schemas/Status"},
          "latency_ms": {"type": "number"},
          "message": {"type": "string"}
        }
      },
      "ComponentSummary": {
        "type": "object",
        "required": ["name", "type", "critical", "groups", "status", "since", "last_check"],
        "properties": {
          "name": {"type": "string"},
          "type": {"type": "string"},
          "critical": {"type": "boolean"},
          "groups": {"type": "array", "items": {"type": "string"}},
          "status": {"$ref": "#/components/schemas/Status"},
          "since": {"type": ["string", "null"], "format": "date-time"},
          "last_check": {"type": ["string", "null"], "format": "date-time"},
          "stale_since": {"type": "string", "format": "date-time"}
        }
      },
      "Component": {
        "allOf": [
          {"$ref": "#/components/schemas/ComponentSummary"},
          {
            "type": "object",
            "required": ["latency_ms", "message", "consecutive_failures", "last_success", "observations", "thresholds", "uptime", "history"],
            "properties": {
              "latency_ms": {"type": ["number", "null"]},
              "message": {"type": ["string", "null"]},
              "consecutive_failures": {"type": "integer", "minimum": 0},
              "last_success": {"type": ["string", "null"], "format": "date-time"},
              "observations": {"type": "object", "additionalProperties": {"type": ["number", "string", "null"]}},
              "phases_ms": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
              "thresholds": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": ["number", "null"]}}},
              "uptime": {"type": "object", "additionalProperties": {"type": ["number", "null"], "minimum": 0, "maximum": 1}},
              "history": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryEntry"}}
            }
          }
        ]
      },
      "DetailedReport": {
        "type": "object",
        "required": ["status", "version", "started_at", "uptime_seconds", "startup_complete", "components"],
        "properties": {
          "status": {"$ref": "#/components/schemas/Status"},
          "version": {"type": "string"},
          "started_at": {"type": "string", "format": "date-time"},
          "uptime_seconds": {"type": "integer", "minimum": 0},
          "startup_complete": {"type": "boolean"},
          "components": {"type": "array", "items": {"$ref": "#/components/schemas/Component"}}
        }
      },
      "HealthJSON": {
        "type": "object",
        "description": "draft-inadarei-api-health-check",
        "required": ["status", "version", "description", "checks"],
        "properties": {
          "status": {"type": "string", "enum": ["pass", "warn", "fail"]},
          "version": {"type": "string"},
          "description": {"type": "string"},
          "checks": {
            "type": "object",
            "additionalProperties": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["componentId", "componentType", "status", "time"],
                "properties": {
                  "componentId": {"type": "string"},
                  "componentType": {"type": "string"},
                  "observedValue": {"type": ["number", "null"]},
                  "observedUnit": {"type": "string"},
                  "status": {"type": "string", "enum": ["pass", "warn", "fail"]},
                  "time": {"type": ["string", "null"], "format": "date-time"},
                  "output": {"type": "string"}
                }
              }
            }
          }
        }
      },
      "WindowUptime": {
        "type": "object",
        "required": ["uptime", "coverage"],
        "properties": {"uptime": {"type": ["number", "null"], "minimum": 0, "maximum": 1}, "coverage": {"type": "number", "minimum": 0, "maximum": 1}}
      },
      "ComponentList": {
        "type": "object",
        "required": ["status", "components"],
        "properties": {
          "status": {"$ref": "#/components/schemas/Status"},
          "components": {
            "type": "array",
            "items": {
              "allOf": [
                {"$ref": "#/components/schemas/ComponentSummary"},
                {
                  "type": "object",
                  "required": ["uptime"],
                  "properties": {
                    "uptime": {
                      "type": "object",
                      "description": "by window: 1h, 24h, 7d, 30d",
                      "additionalProperties": {"$ref": "#/components/schemas/WindowUptime"}
                    }
                  }
                }
              ]
            }
          }
        }
      },
      "ComponentDetail": {
        "allOf": [
          {"$ref": "#/components/schemas/Component"},
          {
            "type": "object",
            "required": ["uptime_windows"],
            "properties": {
              "uptime_windows": {
                "type": "object",
                "description": "by window: 1h, 24h, 7d, 30d",
                "additionalProperties": {"$ref": "#/components/schemas/WindowUptime"}
              }
            }
          }
        ]
      },
      "HistoryPage": {
        "type": "object",
        "required": ["component", "results", "next_cursor"],
        "properties": {
          "component": {"type": "string"},
          "results": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryEntry"}},
          "next_cursor": {"type": ["string", "null"]}
        }
      },
      "TransitionsPage": {
        "type": "object",
        "required": ["component", "transitions", "next_cursor"],
        "properties": {
          "component": {"type": "string"},
          "transitions": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["at", "from", "to", "message", "duration_seconds", "ongoing"],
              "properties": {
                "at": {"type": "string", "format": "date-time"},
                "from": {"$ref": "#/components/schemas/Status"},
                "to": {"$ref": "#/components/schemas/Status"},
                "message": {"type": "string"},
                "duration_seconds": {"type": "number", "minimum": 0, "description": "how long the status this change brought lasted: until the next change, or until now when ongoing"},
                "ongoing": {"type": "boolean", "description": "true for the newest change: its status is the current one"}
              }
            }
          },
          "next_cursor": {"type": ["string", "null"]}
        }
      },
      "Uptime": {
        "type": "object",
        "required": ["component", "window", "uptime", "coverage", "buckets"],
        "properties": {
          "component": {"type": "string"},
          "window": {"$ref": "#/components/schemas/Window"},
          "uptime": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
          "coverage": {"type": "number", "minimum": 0, "maximum": 1},
          "buckets": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["start", "seconds", "results", "failures", "latency_ms"],
              "properties": {
                "start": {"type": "string", "format": "date-time"},
                "seconds": {
                  "type": "object",
                  "required": ["healthy", "degraded", "unhealthy"],
                  "properties": {
                    "healthy": {"type": "number", "minimum": 0},
                    "degraded": {"type": "number", "minimum": 0},
                    "unhealthy": {"type": "number", "minimum": 0}
                  }
                },
                "results": {"type": "integer", "minimum": 0},
                "failures": {"type": "integer", "minimum": 0},
                "latency_ms": {
                  "type": "object",
                  "required": ["min", "avg", "max"],
                  "properties": {"min": {"type": ["number", "null"]}, "avg": {"type": ["number", "null"]}, "max": {"type": ["number", "null"]}}
                }
              }
            }
          }
        }
      },
      "Alerts": {
        "type": "object",
        "required": ["generated_at", "alerts", "notifiers"],
        "properties": {
          "generated_at": {"type": "string", "format": "date-time"},
          "alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}},
          "notifiers": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["name", "type", "queued", "dropped"],
              "properties": {
                "name": {"type": "string"},
                "type": {"type": "string"},
                "queued": {"type": "integer", "minimum": 0},
                "dropped": {"type": "integer", "minimum": 0}
              }
            }
          },
          "storage_errors": {"type": "integer", "minimum": 0}
        }
      },
      "Alert": {
        "type": "object",
        "required": ["id", "alert", "subject", "state", "severity", "status", "message", "notify", "notifications", "acknowledged"],
        "properties": {
          "id": {"type": "string", "description": "RULE:SUBJECT, the id POST /api/v1/alerts/{id}/ack takes"},
          "alert": {"type": "string"},
          "subject": {"type": "string"},
          "state": {"type": "string"},
          "severity": {"type": "string"},
          "status": {"$ref": "#/components/schemas/Status"},
          "message": {"type": "string"},
          "pending_since": {"type": ["string", "null"], "format": "date-time"},
          "started_at": {"type": ["string", "null"], "format": "date-time"},
          "resolved_at": {"type": ["string", "null"], "format": "date-time"},
          "last_notified_at": {"type": ["string", "null"], "format": "date-time"},
          "notify": {"type": "array", "items": {"type": "string"}},
          "acknowledged": {
            "oneOf": [
              {"type": "null"},
              {
                "type": "object",
                "required": ["by", "comment", "at"],
                "properties": {"by": {"type": "string"}, "comment": {"type": "string"}, "at": {"type": "string", "format": "date-time"}}
              }
            ]
          },
          "notifications": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["at", "notifier", "kind", "attempt", "outcome"],
              "properties": {
                "at": {"type": "string", "format": "date-time"},
                "notifier": {"type": "string"},
                "kind": {"type": "string"},
                "attempt": {"type": "integer"},
                "outcome": {"type": "string"},
                "status_code": {"type": ["integer", "null"]},
                "error": {"type": ["string", "null"]}
              }
            }
          }
        }
      },
      "Acknowledgement": {
        "type": "object",
        "required": ["by"],
        "additionalProperties": false,
        "properties": {
          "by": {
            "type": "string", "maxLength": 256, "description": "who acknowledges: one line (no control character, no line or paragraph separator), not only spaces and invisible format characters",
            "pattern": "\#(ByText.pattern)"
          },
          "comment": {"type": ["string", "null"], "maxLength": 1024}
        }
      },
      "ShieldsEndpoint": {
        "type": "object",
        "required": ["schemaVersion", "label", "message", "color"],
        "additionalProperties": false,
        "properties": {
          "schemaVersion": {"const": 1},
          "label": {"type": "string"},
          "message": {"type": "string"},
          "color": {"type": "string", "pattern": "^#[0-9a-f]{6}$"}
        }
      }
    },
    "parameters": {
      "verbose": {
        "name": "verbose",
        "in": "query",
        "required": false,
        "allowEmptyValue": true,
        "description": "present (with any value or none): kube-apiserver's text, one line per check",
        "schema": {"type": "string"}
      },
      "exclude": {
        "name": "exclude",
        "in": "query",
        "required": false,
        "description": "a component to leave out; repeatable",
        "style": "form",
        "explode": true,
        "schema": {"type": "array", "items": {"type": "string"}}
      },
      "scope": {
        "name": "scope",
        "in": "query",
        "required": false,
        "description": "`all`: also the components other shards probe",
        "schema": {"type": "string"}
      },
      "groupName": {"name": "group", "in": "path", "required": true, "schema": {"type": "string"}, "example": "core"},
      "componentName": {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}, "example": "orders-db"},
      "alertId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
      "badgeWindow": {"name": "window", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/Window"}, "example": "30d"},
      "since": {
        "name": "since",
        "in": "query",
        "required": false,
        "description": "RFC 3339, inclusive",
        "schema": {"type": "string", "format": "date-time"}
      },
      "until": {
        "name": "until",
        "in": "query",
        "required": false,
        "description": "RFC 3339, inclusive",
        "schema": {"type": "string", "format": "date-time"}
      },
      "limit": {
        "name": "limit",
        "in": "query",
        "required": false,
        "description": "100 when absent",
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000}
      },
      "cursor": {
        "name": "cursor",
        "in": "query",
        "required": false,
        "description": "`next_cursor` of the page before; opaque",
        "schema": {"type": "string"}
      },
      "ifNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": false,
        "description": "an ETag this badge was served with: 304 while it is unchanged",
        "schema": {"type": "string"}
      }
    },
    "headers": {
      "ETag": {"description": "a hash of the body", "schema": {"type": "string"}},
      "BadgeCacheControl": {
        "description": "`no-cache`: every view revalidates (GitHub's camo proxy included), an unchanged badge costs a 304",
        "schema": {"type": "string", "const": "no-cache"}
      }
    },
    "responses": {
      "Unauthorized": {
        "description": "`detailed_token_file` is set and the request has no `Authorization: Bearer` with its token",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        "content": {"text/plain": {"schema": {"type": "string"}}}
      },
      "NotFound": {"description": "no such component, group, alert, window or badge", "content": {"text/plain": {"schema": {"type": "string"}}}},
      "StorageUnavailable": {
        "description": "persistent storage did not answer within its read deadline (5 s) or failed; later reads fail fast for a few seconds. Statuses stay available at /health/detailed",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {
          "type": "object", "required": ["error", "reason"], "additionalProperties": false,
          "properties": {"error": {"const": "storage unavailable"}, "reason": {"type": "string"}}
        }}}
      },
      "BadRequest": {
        "description": "a query parameter out of its range, named in the body",
        "content": {"text/plain": {"schema": {"type": "string"}}}
      },
      "BadgeSVG": {
        "description": "the badge, as shields.io draws it",
        "headers": {"ETag": {"$ref": "#/components/headers/ETag"}, "Cache-Control": {"$ref": "#/components/headers/BadgeCacheControl"}},
        "content": {"image/svg+xml": {"schema": {"type": "string"}}}
      },
      "BadgeJSON": {
        "description": "shields.io's endpoint schema",
        "headers": {"ETag": {"$ref": "#/components/headers/ETag"}, "Cache-Control": {"$ref": "#/components/headers/BadgeCacheControl"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ShieldsEndpoint"}}}
      },
      "VerdictPass": {
        "description": "passing (text with `?verbose`)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Verdict"}}, "text/plain": {"schema": {"type": "string"}}}
      },
      "VerdictFail": {
        "description": "failing (text with `?verbose`)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Verdict"}}, "text/plain": {"schema": {"type": "string"}}}
      },
      "ReadinessPass": {
        "description": "passing (text with `?verbose`)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}, "text/plain": {"schema": {"type": "string"}}}
      },
      "ReadinessFail": {
        "description": "failing (text with `?verbose`)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}, "text/plain": {"schema": {"type": "string"}}}
      },
      "NotModified": {
        "description": "the badge is unchanged since the ETag in `If-None-Match`",
        "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}
      }
    },
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "the token in `server.detailed_token_file`; when it is not set, nothing needs a token"
      }
    }
  }
}
"""#
}
