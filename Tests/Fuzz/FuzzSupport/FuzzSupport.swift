/// The one piece every fuzz target shares: hand libFuzzer its input function and let its
/// driver run (SwiftPM names an executable's entry point, so libFuzzer's own `main` is unused).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

// Set once, before the driver starts; libFuzzer calls inputs one at a time on one thread.
nonisolated(unsafe) private var input: (UnsafeRawBufferPointer) -> Void = { _ in }

/// libFuzzer's own `main` (linked in, though not the entry point) names this function.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    input(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

/// Runs libFuzzer with the process's arguments (`-max_total_time=`, a corpus folder...),
/// calling `body` with each input; returns libFuzzer's exit status.
public func fuzz(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
    input = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) }
    exit(status)
}

#if canImport(Glibc)
import Glibc
#endif
