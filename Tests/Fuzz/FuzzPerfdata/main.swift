import FuzzSupport
@testable import VitalsProbes

/// A plugin's output as the exec probe reads it: message, perfdata, and the result judged
/// from an exit code.
fuzz { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    let parsed = Perfdata.parse(text)
    _ = parsed.observations.count
    let code = Int32(bytes.count % 5)
    _ = ExecProbe.result(exit: .code(code), stdout: text, stderr: "", latency: .milliseconds(1)).message
}

