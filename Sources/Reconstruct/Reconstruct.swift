import Formats

/// The face pipeline (DESIGN.md §1). Its stages arrive with the landmarks, proxy and detail issues;
/// this module already exists so the dependency direction Convert → Reconstruct → Formats holds.
public enum Reconstruct {
    /// Identifier written into manifests and `facedetail formats --json`.
    public static let pipelineVersion = "0.1.0"
}
