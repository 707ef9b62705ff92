/// The body of a frame type that ``FrameStream`` can hand out as it is, not wrapped in a
/// ``Frame``: taking a case's value back out of the enum copies it (a reference count up and
/// down for each of its strings and buffers), which is worth avoiding for the frames nearly all
/// traffic is made of, PUBLISH and MESSAGE.
protocol DirectlyDecodableFrame {
    static var frameType: FrameType { get }
    /// Reads the fields of a frame of ``frameType``.
    static func read(from reader: inout FrameBodyReader) throws(FrameDecodingError) -> Self
}
