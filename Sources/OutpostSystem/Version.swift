/// The version every Outpost executable reports with `--version`.
package enum OutpostVersion {
    /// Semantic version of this build.
    package static let current = "0.1.0"
}
