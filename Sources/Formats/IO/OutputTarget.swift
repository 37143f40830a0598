import Errors
import Foundation

/// Checks made before an output is put in place (issue 19): only a regular file (or a link,
/// which the rename replaces without following) is replaced by a file, only a folder by a
/// folder, and nothing is written through a linked subfolder to somewhere outside the output.
public enum OutputTarget {
    /// What is at `url` now, without following a link; nil when nothing is.
    static func kind(of url: URL) -> mode_t? {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: "a folder"
        case S_IFREG: "a file"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// Throws unless `url` is absent or holds what an output of this kind may replace.
    public static func checkReplaceable(_ url: URL, byFolder: Bool) throws {
        guard let kind = kind(of: url) else { return }
        let allowed: Set<mode_t> = byFolder ? [S_IFDIR, S_IFLNK] : [S_IFREG, S_IFLNK]
        guard allowed.contains(kind) else {
            throw FormatError(
                .writeFailed, path: url.path,
                "is \(describe(kind)); refusing to replace it with \(byFolder ? "a folder" : "a file")")
        }
    }

    /// Throws when `file`'s folder, links resolved, is not `root` or inside it.
    public static func checkInside(_ file: URL, root: URL) throws {
        let base = root.resolvingSymlinksInPath().path
        let folder = file.deletingLastPathComponent().resolvingSymlinksInPath().path
        guard folder == base || folder.hasPrefix(base == "/" ? "/" : base + "/") else {
            throw FormatError(
                .writeFailed, path: file.path, "would be written outside the output folder",
                reason: "\(file.deletingLastPathComponent().path) leads to \(folder), outside \(base)")
        }
    }
}
