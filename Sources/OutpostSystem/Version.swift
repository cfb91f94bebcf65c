/// The version every Outpost executable reports with `--version`.
public enum OutpostVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
