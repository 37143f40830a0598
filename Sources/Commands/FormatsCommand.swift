import ArgumentParser
import Formats
import Foundation

/// `facedetail formats`: the registry, as a table or JSON.
struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats", abstract: "List the formats facedetail reads and writes.")

    @OptionGroup var report: ReportOptions

    struct Entry: Codable {
        var id, kind, summary, backend: String
        var extensions: [String]
        var read, write: Bool
        var capabilities: [String]
        var unit: String
    }

    func run() throws {
        let entries = FormatRegistry.standard.formats.map { f in
            Entry(
                id: f.id, kind: f.kind.rawValue, summary: f.summary, backend: f.backend, extensions: f.extensions,
                read: f.canRead, write: f.canWrite, capabilities: f.capabilities.names, unit: Self.unitText(f))
        }
        if report.json {
            print(try JSONOutput.encode(entries))
            return
        }
        for e in entries {
            let mode = (e.read ? "r" : "-") + (e.write ? "w" : "-")
            let exts = e.extensions.count > 6 ? "\(e.extensions.count) extensions" : e.extensions.joined(separator: " ")
            print("\(e.id.padding(toLength: 8, withPad: " ", startingAt: 0)) \(mode)  \(e.summary)")
            print("         extensions: \(exts); unit: \(e.unit); backend: \(e.backend)")
            if !e.capabilities.isEmpty { print("         keeps: \(e.capabilities.joined(separator: ", "))") }
        }
    }

    static func unitText(_ f: FormatDescriptor) -> String {
        guard f.kind == .mesh else { return "n/a" }
        switch f.unitPolicy {
        case .fixed(let unit): return unit.symbol
        case .unitless: return "unitless (--units, default cm)"
        }
    }
}

/// JSON reports on stdout, encoded as facedetail's files are (`StableJSON`).
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try StableJSON.encode(value), as: UTF8.self)
    }
}
