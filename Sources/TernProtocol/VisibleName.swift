/// The rule for names that are 1 to 255 bytes of visible ASCII (0x21–0x7E): queue groups
/// (PROTOCOL.md section 5.4) and schema subjects (section 10.1).
public enum VisibleName {
    /// Whether `name` is 1 to 255 bytes, each of visible ASCII.
    public static func isValid(_ name: String) -> Bool {
        let utf8 = name.utf8
        return (1...255).contains(utf8.count) && utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
