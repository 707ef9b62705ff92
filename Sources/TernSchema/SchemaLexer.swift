/// A token of the text form, with its position and the doc comment lines just before it.
struct SchemaToken {
    enum Kind: Equatable {
        case identifier(String)
        /// A number as written, e.g. `-12`, `1.5e3`.
        case number(String)
        case string(String)
        case bytes([UInt8])
        /// One of `{ } < > [ ] : = , ; -`.
        case punctuation(Unicode.Scalar)
        case end
    }

    var kind: Kind
    var line: Int
    var column: Int
    var doc: String?

    /// The token as shown in error messages.
    var display: String {
        switch kind {
        case .identifier(let name): "\"\(name)\""
        case .number(let text): text
        case .string(let text): SchemaLiteral.quoted(text)
        case .bytes: "bytes literal"
        case .punctuation(let scalar): "\"\(scalar)\""
        case .end: "end of text"
        }
    }
}

/// Splits schema text into tokens: skips whitespace, `//` and `/* */` comments, and collects
/// `///` doc comments for the token that follows.
struct SchemaLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static func tokens(_ text: String) throws(SchemaParseError) -> [SchemaToken] {
        var lexer = SchemaLexer(text)
        var tokens: [SchemaToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private var column: Int { index - lineStart + 1 }

    private func failure(_ reason: SchemaParseError.Reason) -> SchemaParseError {
        SchemaParseError(line: line, column: column, reason: reason)
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    private mutating func next() throws(SchemaParseError) -> SchemaToken {
        let doc = try skipTrivia()
        var token = SchemaToken(kind: .end, line: line, column: column, doc: doc)
        guard let scalar = peek() else { return token }
        if scalar == "x", peek(1) == "\"" {
            token.kind = .bytes(try bytesLiteral())
        } else if scalar == "_" || scalar.isASCIILetter {
            token.kind = .identifier(take { $0 == "_" || $0.isASCIILetter || $0.isASCIIDigit })
        } else if scalar.isASCIIDigit || (scalar == "-" && peek(1)?.isASCIIDigit == true) {
            token.kind = .number(number())
        } else if scalar == "\"" {
            token.kind = .string(try stringLiteral())
        } else if "{}<>[]:=,;-".unicodeScalars.contains(scalar) {
            advance()
            token.kind = .punctuation(scalar)
        } else {
            throw failure(.unexpectedCharacter(SchemaLiteral.quoted(String(scalar))))
        }
        return token
    }

    private mutating func take(while accepts: (Unicode.Scalar) -> Bool) -> String {
        var text = String.UnicodeScalarView()
        while let scalar = peek(), accepts(scalar) {
            text.append(scalar)
            advance()
        }
        return String(text)
    }

    /// Skips whitespace and comments, returning the doc comment lines met, if any.
    private mutating func skipTrivia() throws(SchemaParseError) -> String? {
        var docLines: [String] = []
        while let scalar = peek() {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                advance()
            } else if scalar == "/", peek(1) == "/" {
                let isDoc = peek(2) == "/"
                for _ in 0..<(isDoc ? 3 : 2) { advance() }
                if isDoc, peek() == " " { advance() }
                let text = take { $0 != "\n" }
                if isDoc { docLines.append(text) }
            } else if scalar == "/", peek(1) == "*" {
                let start = failure(.unterminatedComment)
                advance()
                advance()
                while !(peek() == "*" && peek(1) == "/") {
                    guard peek() != nil else { throw start }
                    advance()
                }
                advance()
                advance()
            } else {
                break
            }
        }
        return docLines.isEmpty ? nil : docLines.joined(separator: "\n")
    }

    private mutating func number() -> String {
        var text = ""
        if peek() == "-" {
            text += "-"
            advance()
        }
        text += take { $0.isASCIIDigit }
        if peek() == ".", peek(1)?.isASCIIDigit == true {
            advance()
            text += "." + take { $0.isASCIIDigit }
        }
        if peek() == "e" || peek() == "E" {
            let sign = peek(1) == "-" || peek(1) == "+" ? 1 : 0
            if peek(1 + sign)?.isASCIIDigit == true {
                text += "e"
                advance()
                if sign == 1, let scalar = peek() {
                    text.unicodeScalars.append(scalar)
                    advance()
                }
                text += take { $0.isASCIIDigit }
            }
        }
        return text
    }

    private mutating func stringLiteral() throws(SchemaParseError) -> String {
        let start = failure(.unterminatedString)
        advance()
        var text = String.UnicodeScalarView()
        while true {
            guard let scalar = peek(), scalar != "\n" else { throw start }
            advance()
            switch scalar {
            case "\"": return String(text)
            case "\\": text.append(try escape())
            default: text.append(scalar)
            }
        }
    }

    private mutating func escape() throws(SchemaParseError) -> Unicode.Scalar {
        guard let scalar = peek() else { throw failure(.unterminatedString) }
        let position = failure(.invalidEscape)
        advance()
        switch scalar {
        case "\"", "\\": return scalar
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "u":
            guard peek() == "{" else { throw position }
            advance()
            let hex = take { $0.isASCII && $0.properties.isASCIIHexDigit }
            guard peek() == "}", hex.count <= 6, let value = UInt32(hex, radix: 16),
                  let result = Unicode.Scalar(value)
            else { throw position }
            advance()
            return result
        default:
            throw position
        }
    }

    private mutating func bytesLiteral() throws(SchemaParseError) -> [UInt8] {
        let start = failure(.invalidBytesLiteral)
        advance()
        advance()
        let hex = take { $0 != "\"" && $0 != "\n" }
        guard peek() == "\"" else { throw failure(.unterminatedString) }
        advance()
        guard let bytes = Base16.decode(hex.unicodeScalars) else { throw start }
        return bytes
    }
}

extension Unicode.Scalar {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
