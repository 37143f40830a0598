import Foundation

/// Paths every test suite needs: the repository, its samples, the face models `make setup`
/// imports, and the shared test photos beside the repository.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let astronaut = root.appendingPathComponent("samples/astronaut.png")
    /// A group photo for tests only (../shared/photos/README.md); never copied into the repository.
    public static let groupJPEG = root.deletingLastPathComponent().appendingPathComponent("shared/photos/group.jpg")
    /// models/ict-REGION.fdmodel, imported by `make setup` (scripts/setup-model.sh).
    public static func model(_ region: String) -> URL { root.appendingPathComponent("models/ict-\(region).fdmodel") }
    /// fer's EmotionNet (Keras HDF5), fetched by `make setup` (scripts/setup-emotion.sh).
    public static let emotionModel = root.appendingPathComponent("models/emotion_model.hdf5")
    /// ICT-FaceKit's FaceXModel folder as `make setup` unpacks it.
    public static let ictFolder = root.appendingPathComponent("models/ICT-FaceKit/FaceXModel")
}
