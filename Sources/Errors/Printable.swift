/// Text from outside (file names, references) made safe to print on a terminal: control
/// characters, including the escape that starts ANSI sequences, are shown as `\xNN` (or `\n`,
/// `\r`, `\t`) instead of being sent to the terminal, and a backslash as `\\` so the escaping
/// cannot be forged.
public func printable(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x5C: out += "\\\\"
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        case 0x00..<0x20, 0x7F..<0xA0:
            let hex = String(scalar.value, radix: 16)
            out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// `text` with control characters only (the ESC of ANSI sequences among them) shown as `\xNN`
/// and the like; backslashes and everything else as they are. For lines whose own text may hold
/// backslashes (Windows-style references) but must not drive the terminal.
public func escapingControls(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        let control = scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value)
        if control { out += printable(String(scalar)) } else { out.unicodeScalars.append(scalar) }
    }
    return out
}
