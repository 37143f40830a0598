import Errors
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

    /// Opens without blocking (a FIFO with no writer would otherwise hang the run forever), then
    /// accepts only a regular file: a FIFO, device or socket has no end to read to.
    private static func open(_ url: URL) throws -> FileHandle {
        let fd = Foundation.open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let failure = SystemCallError("open")
            if failure.errno == ENOENT { throw FormatError(.unreadable, path: url.path, "no such file") }
            throw FormatError(.unreadable, path: url.path, "cannot be opened for reading", cause: failure)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let failure = SystemCallError("fstat")
            close(fd)
            throw FormatError(.unreadable, path: url.path, "cannot be opened for reading", cause: failure)
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            throw FormatError(
                .unreadable, path: url.path,
                "is \(OutputTarget.describe(kind)), expected a regular file")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
}
