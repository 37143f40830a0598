import Foundation

/// Reading input files whole or in part, with the errors every reader gives: a missing file, a
/// folder, a file that cannot be opened, each naming the path and carrying the system's reason.
public enum FileContents {
    /// Every byte of the file at `url`.
    public static func read(_ url: URL) throws -> [UInt8] {
        let handle = try open(url)
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            throw FormatError(.unreadable, path: url.path, "cannot be read", cause: error)
        }
    }

    /// Up to `count` leading bytes of the file at `url`.
    public static func prefix(_ count: Int, of url: URL) throws -> [UInt8] {
        let handle = try open(url)
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw FormatError(.unreadable, path: url.path, "cannot be read", cause: error)
        }
    }

    private static func open(_ url: URL) throws -> FileHandle {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw FormatError(.unreadable, path: url.path, "no such file")
        }
        guard !isDirectory.boolValue else {
            throw FormatError(.unreadable, path: url.path, "is a directory, expected a file")
        }
        do {
            return try FileHandle(forReadingFrom: url)
        } catch {
            throw FormatError(.unreadable, path: url.path, "cannot be opened for reading", cause: error)
        }
    }
}
