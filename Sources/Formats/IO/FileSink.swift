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

/// Writes into a folder all or nothing: each file goes to a hidden temporary file beside its final
/// name, and `commit()` renames them all; `discard()` (or a failed commit) removes every trace.
public final class DirectorySink: FileSink {
    public let directory: URL
    private var staged: [(temporary: URL, final: URL)] = []
    private var createdDirectories: [URL] = []
    private var committed = false

    public init(directory: URL) {
        self.directory = directory
    }

    /// Final paths of the files written so far, in write order.
    public var paths: [URL] { staged.map(\.final) }

    public func write(_ bytes: [UInt8], to relativePath: String) throws {
        try validateRelativePath(relativePath)
        let final = directory.appendingPathComponent(relativePath)
        if let index = staged.firstIndex(where: { $0.final == final }) {
            try? FileManager.default.removeItem(at: staged[index].temporary)
            staged.remove(at: index)
        }
        try makeParent(of: final)
        let temporary = final.deletingLastPathComponent()
            .appendingPathComponent(".\(final.lastPathComponent).facedetail-\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(bytes)) else {
            throw FormatError(.writeFailed, path: final.path, "cannot write the file",
                              cause: String(cString: strerror(errno)))
        }
        staged.append((temporary, final))
    }

    /// Renames every staged file into place; on failure, removes what it renamed and the rest.
    public func commit() throws {
        var done: [URL] = []
        for entry in staged {
            if rename(entry.temporary.path, entry.final.path) != 0 {
                let cause = String(cString: strerror(errno))
                for url in done { try? FileManager.default.removeItem(at: url) }
                discard()
                throw FormatError(.writeFailed, path: entry.final.path, "cannot move the finished file into place", cause: cause)
            }
            done.append(entry.final)
        }
        staged.removeAll()
        committed = true
    }

    /// Removes every staged file and the folders this sink created.
    public func discard() {
        for entry in staged { try? FileManager.default.removeItem(at: entry.temporary) }
        staged.removeAll()
        for dir in createdDirectories.reversed() { rmdir(dir.path) }
        createdDirectories.removeAll()
    }

    deinit {
        if !committed { discard() }
    }

    private func makeParent(of url: URL) throws {
        var missing: [URL] = []
        var dir = url.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.path) {
            missing.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        for dir in missing.reversed() {
            guard mkdir(dir.path, 0o755) == 0 || errno == EEXIST else {
                throw FormatError(.writeFailed, path: dir.path, "cannot create the folder", cause: String(cString: strerror(errno)))
            }
            createdDirectories.append(dir)
        }
    }
}
