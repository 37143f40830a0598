import Errors
import Foundation

/// Every path this process has staged and not yet published (temporary files, staging folders,
/// folders it created, a folder swap under way), so that SIGINT, SIGTERM or SIGHUP can roll them
/// all back before the process exits, and a later run can sweep what a kill -9 left.
///
/// Names carry the process id and the host (`.NAME.partial-PID@HOST`, `.NAME.previous-PID@HOST`,
/// `.NAME.facedetail-PID@HOST.tmp`): `sweep(_:)` removes those whose process is gone, and puts a
/// `.previous-…` folder back where its name is missing (a kill between the two renames of a
/// swap). A process id means something only on its own host (and PID namespace: a container's
/// host name is its own), so entries of another host are left alone until they are an hour
/// old: on a shared file system, another node's run may still be writing them.
public final class StagingRegistry: @unchecked Sendable {
    public static let shared = StagingRegistry()

    /// One staged path and how to undo it.
    public enum Entry: Sendable {
        /// A file or folder that is removed.
        case temporary(URL)
        /// A folder this process created, removed if it is empty.
        case createdFolder(URL)
    }

    private let lock = NSRecursiveLock()
    private var entries: [Int: Entry] = [:]
    private var nextToken = 0
    private var rollingBack = false
    private var swept: Set<String> = []

    /// Records `entry` before the path is created; returns the token `finished(_:)` takes. Once a
    /// rollback has begun, it never returns: the process is about to exit, and nothing new may
    /// appear behind the rollback's back.
    public func staging(_ entry: Entry) -> Int {
        lock.lock()
        while rollingBack {
            lock.unlock()
            sleep(60)
            lock.lock()
        }
        defer { lock.unlock() }
        nextToken += 1
        entries[nextToken] = entry
        return nextToken
    }

    /// Records `entry` and runs `create` (which makes its path) under the lock, so a rollback
    /// either finds the path made or never sees it made behind its back; returns the token. When
    /// `create` throws, nothing stays recorded.
    public func staging(_ entry: Entry, creating create: () throws -> Void) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        let token = staging(entry)
        do {
            try create()
        } catch {
            entries[token] = nil
            throw error
        }
        return token
    }

    /// The path of `token` was published or removed: nothing to roll back any more.
    public func finished(_ token: Int) {
        lock.lock()
        entries[token] = nil
        lock.unlock()
    }

    /// Runs `body` (a commit's renames) so that no rollback starts in the middle of it.
    public func atomically<Value>(_ body: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Removes every staged path, newest first, and refuses new ones from then on. Runs under the
    /// lock, so no path is created (`staging(_:creating:)`) or renamed (`atomically`) meanwhile.
    public func rollBack() {
        lock.lock()
        defer { lock.unlock() }
        rollingBack = true
        let staged = entries.sorted { $0.key > $1.key }.map(\.value)
        entries.removeAll()
        for entry in staged {
            switch entry {
            case .temporary(let url): Self.remove(url)
            case .createdFolder(let url): rmdir(url.path)
            }
        }
    }

    /// Removes `url` and whatever is in it. Another thread may still be writing files into a
    /// staging folder: it is first renamed to `.rollback.NAME.partial-PID@HOST` (still a partial
    /// folder to the sweep, should this process die now), so those writes stop finding it, and
    /// the removal is repeated while a write that was under way lands in it.
    private static func remove(_ url: URL) {
        var url = url
        if StaleStagingName(url.lastPathComponent)?.role == "partial" {
            let trash = url.deletingLastPathComponent().appendingPathComponent(
                ".rollback" + url.lastPathComponent)
            if rename(url.path, trash.path) == 0 { url = trash }
        }
        for _ in 0..<10 {
            try? FileManager.default.removeItem(at: url)
            var status = stat()
            if lstat(url.path, &status) != 0 { return }
            usleep(10_000)
        }
    }

    /// On SIGINT, SIGTERM and SIGHUP: roll back, then exit with 128 + the signal's number, as a
    /// shell reports a process the signal killed. The first call installs the handlers.
    public func rollBackOnSignalsOnce() {
        lock.lock()
        defer { lock.unlock() }
        guard Self.sources.isEmpty else { return }
        Self.installHandlers()
    }

    private static func installHandlers() {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                shared.rollBack()
                _exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }

    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Removes (or, for an interrupted swap, restores) the staging entries in `folder` whose
    /// process is gone; each folder is swept once per process.
    public func sweep(_ folder: URL) {
        lock.lock()
        let first = swept.insert(folder.path).inserted
        lock.unlock()
        guard first, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(".") {
            guard let stale = StaleStagingName(name) else { continue }
            let url = folder.appendingPathComponent(name)
            if stale.host == StagingName.host {
                guard !Self.isAlive(stale.pid) else { continue }
            } else {
                let modified =
                    (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
                guard let modified, Date().timeIntervalSince(modified) > Self.foreignStagingLifetime else { continue }
            }
            let target = folder.appendingPathComponent(stale.target)
            if stale.role == "previous" && !FileManager.default.fileExists(atPath: target.path) {
                _ = rename(url.path, target.path)
            } else {
                try? FileManager.default.removeItem(at: url)
            }
        }
    }

    /// How long another host's staging entry is taken as possibly live, seconds: far longer than
    /// any single output takes to write.
    static let foreignStagingLifetime: TimeInterval = 3600

    private static func isAlive(_ pid: Int32) -> Bool {
        pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH
    }
}

/// The names of staged entries beside an output called `name`: `.NAME.ROLE-PID`, or
/// `.NAME.facedetail-PID.tmp` for a file. A name of up to 255 bytes is legal, and the additions
/// would push it past that: then NAME is cut to fit and a hash of the whole put after a "~". A
/// cut `previous` becomes `superseded`, which the sweep leaves alone rather than restore under
/// a wrong name.
enum StagingName {
    static let maximumBytes = 255

    static func folder(for name: String, role: String, pid: Int32 = getpid()) -> String {
        fit(name, role: role) { ".\($0).\($1)-\(pid)@\(host)" }
    }

    static func file(for name: String, pid: Int32 = getpid()) -> String {
        fit(name, role: "facedetail") { ".\($0).\($1)-\(pid)@\(host).tmp" }
    }

    /// This machine's (or container's) host name, without characters a file name cannot hold.
    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let safe = String(name.unicodeScalars.filter { $0 != "/" && $0 != "@" && $0.value >= 0x20 }.prefix(64))
        return safe.isEmpty ? "localhost" : safe
    }()

    private static func fit(_ name: String, role: String, _ compose: (String, String) -> String) -> String {
        let whole = compose(name, role)
        guard whole.utf8.count > maximumBytes else { return whole }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, 64 bits
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let shortRole = role == "previous" ? "superseded" : role
        let tail = "~" + String(hash, radix: 16)
        let room = maximumBytes - compose(tail, shortRole).utf8.count
        var head = ""
        for character in name {
            guard head.utf8.count + character.utf8.count <= room else { break }
            head.append(character)
        }
        return compose(head + tail, shortRole)
    }
}

/// `.NAME.ROLE-PID@HOST` (ROLE partial or previous) or `.NAME.facedetail-PID@HOST.tmp`, parsed;
/// a name without "@HOST" (written before hosts were recorded) is taken as this host's.
struct StaleStagingName {
    let target: String
    let role: String
    let pid: Int32
    let host: String

    init?(_ name: String) {
        var body = Substring(name.dropFirst())
        var role = ""
        if body.hasSuffix(".tmp") {
            body = body.dropLast(4)
            role = "facedetail"
        }
        // "…-PID@HOST": the text before the last "@" ends in "-" and digits (an "@" in NAME does not).
        if let at = body.lastIndex(of: "@"), let dash = body[..<at].lastIndex(of: "-"),
            Int32(body[body.index(after: dash)..<at]) != nil
        {
            host = String(body[body.index(after: at)...])
            body = body[..<at]
        } else {
            host = StagingName.host
        }
        guard let dash = body.lastIndex(of: "-"), let pid = Int32(body[body.index(after: dash)...]), pid > 0 else {
            return nil
        }
        let head = body[..<dash]
        guard let dot = head.lastIndex(of: ".") else { return nil }
        let found = String(head[head.index(after: dot)...])
        guard role.isEmpty ? (found == "partial" || found == "previous") : found == role else { return nil }
        target = String(head[..<dot])
        self.role = found
        self.pid = pid
        guard !target.isEmpty else { return nil }
    }
}
