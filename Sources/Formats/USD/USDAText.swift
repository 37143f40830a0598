/// USD's text format (.usda) as facedetail writes it: one byte buffer, two-space indentation,
/// numbers in Swift's shortest round-trip form, so the same asset always gives the same bytes.
struct USDAText {
    private(set) var bytes: [UInt8] = []
    private var depth = 0

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// One line at the current indentation.
    mutating func line(_ text: String) {
        bytes.append(contentsOf: repeatElement(0x20, count: 2 * depth))
        raw(text)
        bytes.append(0x0a)
    }

    /// `header`, its metadata in parentheses if any, then a braced block one level further in.
    mutating func block(_ header: String, metadata: [String] = [], _ body: (inout USDAText) -> Void) {
        line(header + (metadata.isEmpty ? "" : " ("))
        if !metadata.isEmpty {
            for entry in metadata { line("    " + entry) }
            line(")")
        }
        line("{")
        depth += 1
        body(&self)
        depth -= 1
        line("}")
    }

    /// `declaration = [v, v, …]` with `format` writing each value, then `suffix` (metadata).
    mutating func array<S: Sequence>(
        _ declaration: String, _ values: S, suffix: String = "", _ format: (inout USDAText, S.Element) -> Void
    ) {
        bytes.append(contentsOf: repeatElement(0x20, count: 2 * depth))
        raw(declaration + " = [")
        var first = true
        for value in values {
            if !first { raw(", ") }
            first = false
            format(&self, value)
        }
        raw("]" + suffix)
        bytes.append(0x0a)
    }

    mutating func number(_ v: Float) { raw(Self.number(v)) }
    mutating func number(_ v: Int) { raw(String(v)) }

    mutating func tuple(_ v: SIMD3<Float>) { raw(Self.tuple(v)) }

    static func tuple(_ v: SIMD3<Float>) -> String {
        "(" + number(v.x) + ", " + number(v.y) + ", " + number(v.z) + ")"
    }

    mutating func tuple(_ v: SIMD2<Float>) { raw("(" + Self.number(v.x) + ", " + Self.number(v.y) + ")") }

    /// Shortest round-trip decimal; integral values without a fraction; −0 as 0.
    static func number(_ v: Float) -> String {
        if v == 0 { return "0" }
        if v == v.rounded(), abs(v) < 1e7 { return String(Int(v)) }
        return v.description
    }

    /// A double-quoted string with quotes and backslashes escaped.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A valid, unique prim name for `name`: letters, digits and underscores, not starting with a
    /// digit; `taken` collects the names given so far in one scope.
    static func identifier(_ name: String, taken: inout Set<String>) -> String {
        var id = String(
            name.unicodeScalars.map { c in
                c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) ? Character(c) : "_"
            })
        if id.isEmpty || id.first!.isNumber { id = "_" + id }
        var unique = id
        var k = 1
        while taken.contains(unique) {
            unique = "\(id)_\(k)"
            k += 1
        }
        taken.insert(unique)
        return unique
    }

    /// An asset path the layer's own folder anchors: "./name" unless already relative by "./" or "../".
    static func assetPath(_ path: String) -> String {
        let anchored = path.hasPrefix("./") || path.hasPrefix("../") || path.hasPrefix("/") ? path : "./" + path
        return "@" + anchored + "@"
    }
}
