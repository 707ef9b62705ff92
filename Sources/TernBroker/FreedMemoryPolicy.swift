/// When to hand freed heap memory back to the system.
///
/// glibc keeps the memory a connection storm freed, for reuse, so without a release ternd's
/// resident size would stay at its peak after the connections left. A release is due once the
/// open connections fell to half their peak or below, by at least ``minimumDrop``; the peak then
/// starts again from what is left. A release that left connections open is finished by one more
/// once none is left: the last of a storm's connections often close after it (or while it
/// runs), fewer than the minimum drop.
struct FreedMemoryPolicy {
    /// The fewest connections whose closing is worth a release.
    static let minimumDrop = 256

    /// The most connections open since the last release.
    private(set) var peak = 0
    private var releasePending = false
    /// The last release left connections open.
    private var tailPending = false

    mutating func opened(count: Int) {
        peak = max(peak, count)
    }

    /// Whether a release is due now that `count` connections are open; if so, none is due
    /// again until ``released(count:)``.
    mutating func closed(count: Int) -> Bool {
        guard !releasePending else { return false }
        guard (peak - count >= Self.minimumDrop && count <= peak / 2) || (count == 0 && tailPending) else { return false }
        releasePending = true
        return true
    }

    /// A release ran that began with `openAtStart` connections open and ended with `openNow`;
    /// returns whether one more is due at once. Connections that close while a release runs
    /// free their memory after it began: when those were the last, no later closing would call
    /// for the release that finishes the storm, so it is due now.
    mutating func released(openAtStart: Int, openNow: Int) -> Bool {
        releasePending = false
        tailPending = openAtStart > 0
        peak = openNow
        return closed(count: openNow)
    }
}
