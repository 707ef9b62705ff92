import Benchmark
import NIOCore
import TernProtocol

/// Encoding the two per-message frames, and decoding a read's worth of PUBLISH frames.
func registerFrameBenchmarks(_ configuration: Benchmark.Configuration) {
    let count = configuration.scalingFactor.rawValue
    let publish = Workload.publish
    var output = Workload.outputBuffer(frames: count)

    let frame = Frame.publish(publish)
    // As the client encodes a publish of a buffer: head and payload in one pass.
    Benchmark("EncodePublish", configuration: configuration) { benchmark in
        output.clear()
        for _ in benchmark.scaledIterations {
            try output.writePublishFrame(
                topic: publish.topic, ackID: publish.ackID, replyTo: publish.replyTo, headers: publish.headers,
                schema: publish.schema, payload: publish.payload
            )
        }
    }

    Benchmark("EncodeMessage", configuration: configuration) { benchmark in
        output.clear()
        for _ in benchmark.scaledIterations {
            try output.writeMessageFrame(
                subscriptionID: Workload.subscriptionID, topic: publish.topic, replyTo: publish.replyTo,
                headers: publish.headers, schema: publish.schema, payload: publish.payload
            )
        }
    }

    var stream = Workload.outputBuffer(frames: count)
    for _ in 0..<count {
        try! stream.writeFrame(frame)
    }

    Benchmark("DecodePublish", configuration: configuration) { benchmark in
        var input = stream
        var decoder = FrameDecoder()
        for _ in benchmark.scaledIterations {
            guard case .publish(let decoded)? = try decoder.decode(buffer: &input) else {
                fatalError("expected a PUBLISH frame")
            }
            blackHole(decoded)
        }
    }
}
