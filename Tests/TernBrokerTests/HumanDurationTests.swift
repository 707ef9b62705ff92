import Testing
import TernSettingValues

/// ``HumanDuration``: durations as people write them, to the microsecond.
@Suite struct HumanDurationTests {
    @Test func everyUnitIsRead() {
        let cases: [(String, Duration)] = [
            ("100us", .microseconds(100)), ("0.5ms", .microseconds(500)), ("250ms", .milliseconds(250)), ("5s", .seconds(5)),
            ("1.5m", .seconds(90)), ("1h", .seconds(3600)), ("2", .seconds(2)), ("0", .zero),
        ]
        for (text, duration) in cases {
            #expect(HumanDuration(text)?.duration == duration, "\(text)")
        }
        for text in ["", "us", "-1s", "5 s", "fast", "nan"] {
            #expect(HumanDuration(text) == nil, "\(text)")
        }
    }

    @Test func aDurationIsWrittenInTheLargestUnitThatDividesIt() {
        let cases: [(Duration, String)] = [
            (.microseconds(100), "100us"), (.microseconds(1500), "1500us"), (.milliseconds(250), "250ms"), (.seconds(90), "90s"),
            (.seconds(120), "2m"), (.seconds(7200), "2h"), (.zero, "0ms"),
        ]
        for (duration, text) in cases {
            #expect(HumanDuration(duration).description == text)
            #expect(HumanDuration(text)?.duration == duration)
        }
    }

    @Test func aDurationTooLongToHoldSaturates() throws {
        let huge = try #require(HumanDuration("1e300s"))
        #expect(huge.milliseconds == Int64.max / 1000)
        #expect(!huge.description.hasSuffix("us"))
    }
}
