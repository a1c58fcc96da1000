import Testing
import VitalsCore
@testable import VitalsConfig
@testable import VitalsProbes

/// The probe registry and the config's types agree: a type the config parses has a probe,
/// and each type's settings say they are that type.
struct RegistryTests {
    @Test func everyTypeHasAProbe() {
        #expect(ProbeRegistry.standard().types == ProbeType.allCases.map(\.rawValue).sorted())
    }

    @Test func everyTypesSettingsAreThatType() {
        for kind in ProbeType.allCases { #expect(kind.config.type == kind, "\(kind)") }
    }

    /// A type's keys are its own: no key of one type is read by the common parser, and the
    /// thresholds each type accepts include `latency` wherever the probe measures one.
    @Test func keysAndThresholdsComeFromTheTypes() {
        for kind in ProbeType.allCases {
            #expect(Set(kind.keys).isDisjoint(with: ConfigParser.commonKeys), "\(kind)")
            #expect(ConfigParser.typeKeys[kind.rawValue] == kind.keys)
        }
        #expect(ProbeType.exec.acceptsAnyMeasurement)
        #expect(ProbeType.allCases.filter(\.acceptsAnyMeasurement) == [.exec])
    }
}
