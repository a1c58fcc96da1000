import VitalsCore

/// The health store is what the server reads.
extension HealthStore: HealthSource {
    public var generation: UInt64 { statusGeneration }
}
