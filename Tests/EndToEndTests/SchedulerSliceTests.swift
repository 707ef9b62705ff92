import CSchedulerSlice
import Foundation
import Testing

/// `--scheduler-slice`: the slice `ternd`'s event loops ask the kernel for, read back from it.
@Suite(.enabled(if: tern_scheduler_slice(0) > 0, "the kernel keeps no slice per thread (before Linux 6.12)"))
struct SchedulerSliceTests {
    @Test func everyEventLoopRunsInTheSliceAskedFor() async throws {
        let daemon = try await RunningDaemon.start(["--event-loops", "2", "--scheduler-slice", "300us"])
        let loops = Self.eventLoopThreads(of: daemon.process.processIdentifier)
        #expect(loops.count == 2, "\(loops)")
        for thread in loops {
            #expect(tern_scheduler_slice(thread) == 300_000, "thread \(thread)")
        }
        #expect(daemon.process.standardError.contains("scheduler-slice=300us"), "\(daemon.process.standardError)")
        try await daemon.stop()
    }

    @Test func byDefaultTheSliceIs100MicrosecondsAndZeroKeepsTheKernels() async throws {
        let defaults = try await RunningDaemon.start([])
        let kernelDefault = tern_scheduler_slice(defaults.process.processIdentifier)
        for thread in Self.eventLoopThreads(of: defaults.process.processIdentifier) {
            #expect(tern_scheduler_slice(thread) == 100_000, "thread \(thread)")
        }
        try await defaults.stop()

        let untouched = try await RunningDaemon.start(["--scheduler-slice", "0"])
        let loops = Self.eventLoopThreads(of: untouched.process.processIdentifier)
        #expect(!loops.isEmpty)
        for thread in loops {
            #expect(tern_scheduler_slice(thread) == kernelDefault, "thread \(thread)")
        }
        #expect(untouched.process.standardError.contains("scheduler-slice=kernel default"), "\(untouched.process.standardError)")
        try await untouched.stop()
    }

    /// The ids of the threads of process `pid` that run NIO event loops (named `NIO-ELT-…`).
    private static func eventLoopThreads(of pid: Int32) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix("NIO-ELT") ? Int32(task) : nil
        }
    }
}
