import Benchmark

let benchmarks: @Sendable () -> Void = {
    // Each measured iteration moves a thousand messages, so the scaled figures are per message.
    // Malloc counts are exact and may not grow; wall clock only catches large regressions, since
    // the machines that run this are shared and noisy.
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 1_000,
        thresholds: [
            .mallocCountTotal: BenchmarkThresholds(absolute: [.p90: 0]),
            .wallClock: BenchmarkThresholds(relative: [.p90: 100]),
        ]
    )
    registerFrameBenchmarks(configuration)
    registerIndexBenchmarks(configuration)
    do {
        try registerTopicBenchmarks(configuration)
        try registerTopicCreationBenchmarks(configuration)
        try registerTLSBenchmarks(configuration)
    } catch {
        fatalError("could not set up the topic and TLS benchmarks: \(error)")
    }
}
