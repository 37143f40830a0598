import Errors
import Foundation

/// Where writers put files: a main file and any sidecars, by path relative to the output folder
/// (Assimp's IOSystem, trimesh's resolver). Tests write to memory; the CLI writes atomically.
public protocol FileSink: AnyObject {
    /// Stores `bytes` as `relativePath` ('/'-separated, no "..", not absolute).
    func write(_ bytes: [UInt8], to relativePath: String) throws
}

extension FileSink {
    public func write(_ data: Data, to relativePath: String) throws { try write([UInt8](data), to: relativePath) }
}

/// Checks a sink path: relative, '/'-separated, without "." or ".." components.
func validateRelativePath(_ path: String) throws {
    let parts = path.split(separator: "/", omittingEmptySubsequences: false)
    guard !path.isEmpty, !path.hasPrefix("/"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
        throw FormatError(.writeFailed, path: path, "output path must be relative and stay inside the output folder")
    }
}

/// Keeps every file in memory, in write order; for tests and for writers that wrap other writers.
public final class MemorySink: FileSink {
    public private(set) var files: [String: [UInt8]] = [:]
    public private(set) var order: [String] = []
    public init() {}
    public func write(_ bytes: [UInt8], to relativePath: String) throws {
        try validateRelativePath(relativePath)
        if files[relativePath] == nil { order.append(relativePath) }
        files[relativePath] = bytes
    }
}

/// Writes into a folder all or nothing, in one of two ways:
/// - `init(directory:)`: each file goes to a hidden temporary file beside its final name, and
///   `commit()` renames them all into place (other files in the folder stay);
/// - `init(replacingFolder:)`: the files go into a hidden sibling folder, and `commit()` swaps it
///   for the folder as a whole, so a previous set of files is replaced at once and none of it
///   survives beside the new set.
/// `discard()` (or a failed commit, or dropping an uncommitted sink) removes every trace.
public final class DirectorySink: FileSink {
    /// The folder the files end up in.
    public let directory: URL
    /// Where files are written before the commit: `directory` itself, or the staging folder.
    private let writeRoot: URL
    private let replacesFolder: Bool
    /// `token` is the registry's for a file staged beside its target; nil inside a staging
    /// folder, which the folder's own token covers.
    private var staged: [(temporary: URL, final: URL, token: Int?)] = []
    private var createdDirectories: [(url: URL, token: Int)] = []
    private var stagingToken: Int?
    private var committed = false
    private let registry = StagingRegistry.shared
    private var stagingCreated: Bool { stagingToken != nil }

    public init(directory: URL) {
        self.directory = directory
        writeRoot = directory
        replacesFolder = false
    }

    /// A sink that publishes `folder` whole: written into `.NAME.partial-PID/` beside it, then
    /// swapped in by `commit()` (the previous folder is moved to `.NAME.previous-PID/` and removed).
    public init(replacingFolder folder: URL) {
        directory = folder
        writeRoot = Self.sibling(of: folder, "partial")
        replacesFolder = true
    }

    /// Final paths of the files written so far, in write order.
    public var paths: [URL] { staged.map(\.final) }

    /// Two files of one output under one name would lose the first: refused.
    public func write(_ bytes: [UInt8], to relativePath: String) throws {
        try validateRelativePath(relativePath)
        let final = directory.appendingPathComponent(relativePath)
        guard !staged.contains(where: { $0.final == final }) else {
            throw FormatError(
                .writeFailed, path: final.path, "two files of this output have the same name",
                reason: "a texture or sidecar is named like another file; rename one")
        }
        let temporary: URL
        if replacesFolder {
            try makeStaging()
            temporary = writeRoot.appendingPathComponent(relativePath)
            try makeParent(of: temporary, tracking: false, within: writeRoot)
        } else {
            try makeParent(of: final, tracking: true)
            try OutputTarget.checkInside(final, root: directory)
            registry.sweep(final.deletingLastPathComponent())
            temporary = final.deletingLastPathComponent()
                .appendingPathComponent(StagingName.file(for: final.lastPathComponent))
        }
        // The temporary path is ours alone (a staging folder or a PID-named file), so the bytes go
        // straight into it: no second temporary and rename, no copy into Data. A file beside its
        // target is created under the registry's lock (a rollback either removes it or never sees
        // it made); one inside the staging folder is covered by the folder's entry.
        var fd: Int32 = -1
        let token: Int?
        do {
            let create = {
                fd = try Self.createFile(temporary.path)
            }
            if replacesFolder {
                token = nil
                try create()
            } else {
                token = try registry.staging(.temporary(temporary), creating: create)
            }
        } catch {
            throw FormatError(.writeFailed, path: final.path, "cannot write the file", cause: error)
        }
        if let failure = Self.writeAll(bytes, to: fd) {
            try? FileManager.default.removeItem(at: temporary)
            token.map(registry.finished)
            throw FormatError(.writeFailed, path: final.path, "cannot write the file", cause: failure)
        }
        staged.append((temporary, final, token))
    }

    /// Creates `path` afresh (whatever was there, a link included, is removed first, and never
    /// followed); returns its descriptor.
    private static func createFile(_ path: String) throws -> Int32 {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemCallError("open") }
        return fd
    }

    /// Writes `bytes` to `fd` and closes it; the failing call's error, or nil.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> SystemCallError? {
        var failure: SystemCallError?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = SystemCallError("write")
                    return
                }
                offset += n
            }
        }
        if close(fd) != 0, failure == nil { failure = SystemCallError("close") }
        return failure
    }

    /// Moves everything into place; on failure, leaves what was there before and removes the rest.
    public func commit() throws {
        if replacesFolder {
            try commitFolder()
        } else {
            for entry in staged { try OutputTarget.checkReplaceable(entry.final, byFolder: false) }
            try registry.atomically {
                var done: [URL] = []
                for entry in staged {
                    if rename(entry.temporary.path, entry.final.path) != 0 {
                        let cause = SystemCallError("rename")
                        for url in done { try? FileManager.default.removeItem(at: url) }
                        discard()
                        throw FormatError(
                            .writeFailed, path: entry.final.path, "cannot move the finished file into place",
                            cause: cause)
                    }
                    done.append(entry.final)
                    entry.token.map(registry.finished)
                }
            }
        }
        for dir in createdDirectories { registry.finished(dir.token) }
        createdDirectories.removeAll()
        staged.removeAll()
        committed = true
    }

    /// Runs `body` on this sink and commits what it wrote; when either throws, discards every
    /// trace and rethrows.
    public func committing<Value>(_ body: (DirectorySink) throws -> Value) throws -> Value {
        do {
            let value = try body(self)
            try commit()
            return value
        } catch {
            discard()
            throw error
        }
    }

    /// Removes every staged file and the folders this sink created.
    public func discard() {
        if replacesFolder {
            if let token = stagingToken {
                try? FileManager.default.removeItem(at: writeRoot)
                registry.finished(token)
            }
            stagingToken = nil
        } else {
            for entry in staged {
                try? FileManager.default.removeItem(at: entry.temporary)
                entry.token.map(registry.finished)
            }
        }
        staged.removeAll()
        for dir in createdDirectories.reversed() {
            rmdir(dir.url.path)
            registry.finished(dir.token)
        }
        createdDirectories.removeAll()
    }

    deinit {
        if !committed { discard() }
    }

    /// The swap runs under the registry's lock, so a signal's rollback sees the old folder or the
    /// new one, never neither; a kill -9 between the renames is undone by the next run's sweep.
    private func commitFolder() throws {
        try makeStaging()
        try OutputTarget.checkReplaceable(directory, byFolder: true)
        let previous = Self.sibling(of: directory, "previous")
        let hadPrevious = FileManager.default.fileExists(atPath: directory.path)
        try registry.atomically {
            if hadPrevious && rename(directory.path, previous.path) != 0 {
                let cause = SystemCallError("rename")
                discard()
                throw FormatError(
                    .writeFailed, path: directory.path, "cannot move the previous outputs aside", cause: cause)
            }
            guard rename(writeRoot.path, directory.path) == 0 else {
                let cause = SystemCallError("rename")
                if hadPrevious { _ = rename(previous.path, directory.path) }
                discard()
                throw FormatError(
                    .writeFailed, path: directory.path, "cannot move the finished folder into place", cause: cause)
            }
            stagingToken.map(registry.finished)
            stagingToken = nil
        }
        if hadPrevious {
            let token = registry.staging(.temporary(previous))
            try? FileManager.default.removeItem(at: previous)
            registry.finished(token)
        }
    }

    /// `.NAME.ROLE-PID@HOST` beside `folder` (`StagingName`).
    private static func sibling(of folder: URL, _ role: String) -> URL {
        folder.deletingLastPathComponent()
            .appendingPathComponent(StagingName.folder(for: folder.lastPathComponent, role: role))
    }

    private func makeStaging() throws {
        guard !stagingCreated else { return }
        try makeParent(of: writeRoot, tracking: true)
        registry.sweep(writeRoot.deletingLastPathComponent())
        try? FileManager.default.removeItem(at: writeRoot)
        stagingToken = try registry.staging(.temporary(writeRoot)) {
            guard mkdir(writeRoot.path, 0o755) == 0 else {
                throw FormatError(
                    .writeFailed, path: directory.path, "cannot create the staging folder",
                    cause: SystemCallError("mkdir"))
            }
        }
    }

    /// Creates the missing folders above `url`; with `tracking`, `discard()` removes them again.
    /// `within` is a folder that must already exist (the staging folder): a signal's rollback
    /// may have removed it, and it is never made again from here.
    private func makeParent(of url: URL, tracking: Bool, within root: URL? = nil) throws {
        var missing: [URL] = []
        var dir = url.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.path) {
            if let root, dir.path == root.path {
                throw FormatError(.writeFailed, path: root.path, "the staging folder is gone (rolled back)")
            }
            missing.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        for dir in missing.reversed() {
            let create = {
                guard mkdir(dir.path, 0o755) == 0 || errno == EEXIST else {
                    throw FormatError(
                        .writeFailed, path: dir.path, "cannot create the folder", cause: SystemCallError("mkdir"))
                }
            }
            if tracking {
                createdDirectories.append((dir, try registry.staging(.createdFolder(dir), creating: create)))
            } else {
                try create()
            }
        }
    }
}
