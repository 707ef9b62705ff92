#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Where the fields of a PUBLISH or MESSAGE frame without headers lie in the buffer that holds
/// it: the reading counterpart of ``TopicFrameHead``.
///
/// These two frames are nearly all the traffic, so they are read straight from the bytes of a
/// read: no slice of the body, no ``FrameBodyReader``, and only the references the decoded frame
/// keeps (its topic and its payload's storage). A frame with headers, non-ASCII strings, or
/// fields that overrun it is left to the general decoder, which also says what is wrong with it.
struct TopicFrameLayout {
    let flags: UInt8
    let id: UInt64
    let topic: Range<Int>
    let replyTo: Range<Int>?
    let schema: SchemaReference?
    let payload: Range<Int>

    /// The layout of the frame of `type` that starts at `buffer`'s reader index and is
    /// `frameLength` bytes long, prefix included, whose id field takes `idWidth` bytes when the
    /// flags in `idFlag` are set (or always, for 0); `nil` for any other frame.
    init?(of buffer: ByteBuffer, type: FrameType, frameLength: Int, idWidth: Int, idFlag: UInt8) {
        let start = buffer.readerIndex
        let end = start + frameLength
        guard buffer.getInteger(at: start + 4, as: UInt8.self) == type.rawValue,
            let flags = buffer.getInteger(at: start + 5, as: UInt8.self),
            flags & ~FrameFlags.defined(for: type) == 0, flags & FrameFlags.headers == 0
        else { return nil }
        var offset = start + 6
        func integer<Integer: FixedWidthInteger>(_: Integer.Type) -> Integer? {
            guard offset + MemoryLayout<Integer>.size <= end, let value = buffer.getInteger(at: offset, as: Integer.self) else { return nil }
            offset += MemoryLayout<Integer>.size
            return value
        }
        func string() -> Range<Int>? {
            guard let length = integer(UInt16.self), offset + Int(length) <= end else { return nil }
            defer { offset += Int(length) }
            return offset..<offset + Int(length)
        }
        var id: UInt64 = 0
        if idFlag == 0 || flags & idFlag != 0 {
            switch idWidth {
            case 4: guard let value = integer(UInt32.self) else { return nil }; id = UInt64(value)
            default: guard let value = integer(UInt64.self) else { return nil }; id = value
            }
        }
        guard let topic = string() else { return nil }
        var replyTo: Range<Int>?
        if flags & FrameFlags.replyTo != 0 {
            guard let range = string() else { return nil }
            replyTo = range
        }
        var schema: SchemaReference?
        if flags & FrameFlags.schema != 0 {
            guard let subjectID = integer(UInt32.self), let version = integer(UInt32.self) else { return nil }
            schema = SchemaReference(subjectID: subjectID, version: version)
        }
        self.flags = flags
        self.id = id
        self.topic = topic
        self.replyTo = replyTo
        self.schema = schema
        self.payload = offset..<end
    }
}

extension TopicFrameLayout {
    /// The frame of `type` at `buffer`'s reader index, when it has its common form, made by
    /// `make` from its layout, topic (`recentTopic` itself when the bytes spell it, else a new
    /// string that replaces it), reply-to and payload; `nil` for any other frame.
    static func read<Decoded>(
        _ type: FrameType, from buffer: ByteBuffer, frameLength: Int, idWidth: Int, idFlag: UInt8, recentTopic: inout String?,
        as make: (TopicFrameLayout, consuming String, consuming String?, consuming ByteBuffer) -> Decoded
    ) -> Decoded? {
        guard let layout = TopicFrameLayout(of: buffer, type: type, frameLength: frameLength, idWidth: idWidth, idFlag: idFlag) else {
            return nil
        }
        var replyTo: String?
        if let range = layout.replyTo {
            guard let string = buffer.asciiString(at: range) else { return nil }
            replyTo = string
        }
        guard let topic = buffer.asciiTopic(at: layout.topic, recent: &recentTopic) else { return nil }
        return make(layout, topic, replyTo, buffer.getSlice(at: layout.payload.lowerBound, length: layout.payload.count)!)
    }
}

extension ByteBuffer {
    /// The ASCII string at `range`: `recent` itself when the bytes spell it, else a new string
    /// that replaces it. `nil` when the bytes are not all ASCII.
    func asciiTopic(at range: Range<Int>, recent: inout String?) -> String? {
        if recent != nil, spells(recent.unsafelyUnwrapped, at: range) { return recent }
        guard let topic = asciiString(at: range) else { return nil }
        recent = topic
        return topic
    }

    /// Whether the readable bytes at `range` are `text`'s UTF-8.
    func spells(_ text: String, at range: Range<Int>) -> Bool {
        guard text.utf8.count == range.count else { return false }
        guard !range.isEmpty else { return true }
        return withUnsafeReadableBytes { bytes in
            let field = UnsafeRawBufferPointer(rebasing: bytes[(range.lowerBound - readerIndex)..<(range.upperBound - readerIndex)])
            return text.utf8.withContiguousStorageIfAvailable { stored in
                memcmp(stored.baseAddress!, field.baseAddress!, field.count) == 0
            } ?? text.utf8.elementsEqual(field)
        }
    }

    /// The ASCII string at `range`; `nil` when its bytes are not all ASCII.
    func asciiString(at range: Range<Int>) -> String? {
        withUnsafeReadableBytes { bytes in
            let field = UnsafeRawBufferPointer(rebasing: bytes[(range.lowerBound - readerIndex)..<(range.upperBound - readerIndex)])
            return field.allSatisfy({ $0 < 0x80 }) ? String(decoding: field, as: UTF8.self) : nil
        }
    }
}
