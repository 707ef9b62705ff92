/// A point in time with microsecond precision: what a `timestamp` field holds.
///
/// The Codable bridge maps `timestamp` fields to this type (or to a plain `Int64` of
/// microseconds), so that TernSchema needs no Foundation `Date`.
public struct SchemaTimestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z; negative before.
    public var microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// Parses an RFC 3339 date-time such as `2024-05-01T12:30:00.25+02:00`.
    ///
    /// Fractions beyond microseconds must be zeros; leap seconds are refused.
    public init?(rfc3339 text: String) {
        guard let micros = RFC3339.parse(Array(text.utf8)) else { return nil }
        self.microsecondsSinceEpoch = micros
    }

    /// The RFC 3339 form in UTC (`2024-05-01T10:30:00.25Z`), or nil outside the years 0001–9999.
    public var rfc3339: String? { RFC3339.format(microsecondsSinceEpoch) }

    /// The RFC 3339 form, or the number of microseconds when the year is out of range.
    public var description: String { rfc3339 ?? "\(microsecondsSinceEpoch)µs" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    public init(from decoder: any Decoder) throws {
        microsecondsSinceEpoch = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(microsecondsSinceEpoch)
    }
}

/// RFC 3339 date-times ⇄ microseconds since the Unix epoch, on the proleptic Gregorian calendar.
enum RFC3339 {
    static let microsPerSecond: Int64 = 1_000_000
    static let secondsPerDay: Int64 = 86_400

    /// Days since 1970-01-01 of a civil date.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func format(_ micros: Int64) -> String? {
        let (seconds, fraction) = floorDivide(micros, microsPerSecond)
        let (dayCount, secondOfDay) = floorDivide(seconds, secondsPerDay)
        let date = civil(days: dayCount)
        guard (1...9999).contains(date.year) else { return nil }
        var text = padded(date.year, 4) + "-" + padded(date.month, 2) + "-" + padded(date.day, 2)
        text += "T" + padded(secondOfDay / 3600, 2) + ":" + padded(secondOfDay / 60 % 60, 2)
        text += ":" + padded(secondOfDay % 60, 2)
        if fraction != 0 {
            var digits = padded(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }

    static func parse(_ bytes: [UInt8]) -> Int64? {
        var cursor = 0
        func number(_ width: Int) -> Int64? {
            guard cursor + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[cursor..<cursor + width] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            cursor += width
            return value
        }
        func expect(_ allowed: String) -> Bool {
            guard cursor < bytes.count, allowed.utf8.contains(bytes[cursor]) else { return false }
            cursor += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"),
              let day = number(2), expect("Tt "), let hour = number(2), expect(":"),
              let minute = number(2), expect(":"), let second = number(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var micros: Int64 = 0
        if expect(".") {
            let start = cursor
            var scale: Int64 = 100_000
            while cursor < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[cursor]) {
                let digit = Int64(bytes[cursor] - UInt8(ascii: "0"))
                if scale > 0 { micros += digit * scale } else if digit != 0 { return nil }
                scale /= 10
                cursor += 1
            }
            guard cursor > start else { return nil }
        }
        var offsetSeconds: Int64 = 0
        if !expect("Zz") {
            guard cursor < bytes.count else { return nil }
            let sign: Int64 = bytes[cursor] == UInt8(ascii: "-") ? -1 : 1
            guard expect("+-"), let offsetHour = number(2), expect(":"), let offsetMinute = number(2),
                  offsetHour < 24, offsetMinute < 60
            else { return nil }
            offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
        }
        guard cursor == bytes.count else { return nil }
        let seconds = days(year: year, month: month, day: day) * secondsPerDay
            + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * microsPerSecond + micros
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
