import FuzzSupport
import Foundation
import VitalsConfig

/// The config loader on any bytes: YAML syntax, substitution, every section's checks. It must
/// answer with a config or with located errors, never crash or hang.
fuzz { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    do throws(ConfigErrors) {
        let config = try ConfigLoader.parse(yaml: text, file: "/nonexistent/fuzz/vitals.yaml", environment: ["HOME": "/root", "X": "1"])
        _ = config.components.count
    } catch {
        for e in error.errors { _ = e.description }
    }
}

