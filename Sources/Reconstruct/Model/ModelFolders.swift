import Foundation

/// Where the files set-up makes (the model, the face finder's files, EmotionNet, the expression
/// dictionary) are looked for, in order: `$FACEDETAIL_MODEL_DIR`; `PREFIX/share/facedetail/models`
/// beside an installed binary (`make install PREFIX=…` puts it in PREFIX/bin); `./models`, a
/// checkout's set-up folder. So an installed `facedetail` works from any folder.
public enum ModelFolders {
    /// The folders searched, in order.
    public static var searched: [URL] {
        var folders: [URL] = []
        if let folder = ProcessInfo.processInfo.environment[ModelFile.folderVariable], !folder.isEmpty {
            folders.append(URL(fileURLWithPath: folder))
        }
        if let share = installedShareFolder { folders.append(share.appendingPathComponent("models")) }
        folders.append(URL(fileURLWithPath: "models"))
        return folders
    }

    /// PREFIX/share/facedetail for the running binary at PREFIX/bin/facedetail, when it exists.
    public static var installedShareFolder: URL? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return nil
        }
        let share = URL(fileURLWithPath: executable).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/facedetail")
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: share.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? share : nil
    }

    /// The first searched folder that holds `name`; else the first folder's path for it, whose
    /// error then names it (and `lookedIn(for:)` the others).
    public static func file(_ name: String) -> URL {
        let candidates = searched.map { $0.appendingPathComponent(name) }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
    }

    /// "looked in: A, B, C" for a message about a missing `name`.
    public static func lookedIn(for name: String) -> String {
        let variable =
            ProcessInfo.processInfo.environment[ModelFile.folderVariable].map { _ in "" }
            ?? " ($\(ModelFile.folderVariable) is not set)"
        return "looked for \(name) in " + searched.map(\.path).joined(separator: ", ") + variable
    }
}
