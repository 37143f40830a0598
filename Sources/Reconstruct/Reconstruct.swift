import Formats

/// The face pipeline (DESIGN.md §1): photos in, faces and landmarks, the morphable model; the proxy
/// fit and details follow in later stages.
public enum Reconstruct {
    /// Identifier written into manifests and `facedetail formats --json`.
    public static let pipelineVersion = "0.2.0"
}
