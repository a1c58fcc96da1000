import CVitalsBuild

/// What this binary is: the release version (the one place it is written; `make dist` names the
/// tarball after it) and the git revision it was built from, embedded by the build (see
/// Package.swift's VITALS_REVISION). `vitals --version`, `vitals_build_info`, /health/detailed
/// and the OpenAPI document report them.
public enum VitalsVersion {
    public static let current = "0.1.0"
    /// "unknown" for a plain `swift build`; scripts/build/build-release.sh embeds `git describe`'s.
    public static let revision = String(cString: vitals_build_revision())
    /// `vitals --version`: "0.1.0 (revision 5148c2b)".
    public static var description: String { "\(current) (revision \(revision))" }
}
