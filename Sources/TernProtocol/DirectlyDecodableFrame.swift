import NIOCore

/// The body of a frame type that ``FrameStream`` can hand out as it is, not wrapped in a
/// ``Frame``: taking a case's value back out of the enum copies it (a reference count up and
/// down for each of its strings and buffers), which is worth avoiding for the frames nearly all
/// traffic is made of, PUBLISH and MESSAGE.
protocol DirectlyDecodableFrame {
    static var frameType: FrameType { get }
    /// Reads the fields of a frame of ``frameType``.
    static func read(from reader: inout FrameBodyReader) throws(FrameDecodingError) -> Self
    /// The frame of `frameLength` bytes at `buffer`'s reader index when it is one of
    /// ``frameType`` in its common form (``TopicFrameLayout``), read straight from the buffer;
    /// `nil` for any other, which ``read(from:)`` decodes.
    static func readCommonForm(from buffer: ByteBuffer, frameLength: Int, recentTopic: inout String?) -> Self?
}
