/// Ordered key/value pairs carried by publishes, messages, requests and replies.
///
/// Names are 1...255 bytes of visible ASCII other than `:`; values are UTF-8 of at most 65535
/// bytes. A name may repeat. The broker announces the most header bytes it accepts in WELCOME.
public struct Headers: Sendable, Hashable, ExpressibleByDictionaryLiteral, RandomAccessCollection {
    /// One header.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field]

    public init(_ fields: [Field] = []) {
        self.fields = fields
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        // `[:]`, the default of every publish, allocates nothing.
        self.fields = elements.isEmpty ? [] : elements.map { Field(name: $0.0, value: $0.1) }
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> Field { fields[position] }

    /// The first value for `name`, if any.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// Appends a header, keeping any earlier value of the same name.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// The bytes of every name and value: what ``Limits/maxHeaderBytes`` counts.
    public var byteCount: Int {
        fields.isEmpty ? 0 : fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
    }

    /// The length of the headers field on the wire: 0 when empty (the flag is not set), else
    /// the count and each name and value with its length prefix.
    public var encodedLength: Int {
        isEmpty ? 0 : 2 + 4 * count + byteCount
    }

    /// Whether `name` is a valid header name.
    public static func isValidName(_ name: String) -> Bool {
        VisibleName.isValid(name) && !name.utf8.contains(UInt8(ascii: ":"))
    }
}
