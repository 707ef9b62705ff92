/// When to hand freed heap memory back to the system.
///
/// glibc keeps the memory a connection storm freed, for reuse, so without a release ternd's
/// resident size would stay at its peak after the connections left. A release is due once the
/// open connections fell to half their peak or below, by at least ``minimumDrop``; the peak then
/// starts again from what is left. A release that left connections open is finished by one more
/// once none is left: the last of a storm's connections often close after it (or while it
/// runs), fewer than the minimum drop. And a release that handed memory back is followed by up
/// to ``mostFollowUps`` more, one after another: a connection leaves the count before everything
/// it held is freed, and on a busy machine much of that comes after the release its closing
/// called for (glibc says it handed memory back whenever it finds free pages, even ones it
/// handed back before, so the follow-ups usually all run).
struct FreedMemoryPolicy {
    /// The fewest connections whose closing is worth a release.
    static let minimumDrop = 256
    /// The most releases that follow one after another while each hands memory back.
    static let mostFollowUps = 2

    /// The most connections open since the last release.
    private(set) var peak = 0
    private var releasePending = false
    /// The last release left connections open.
    private var tailPending = false
    /// The releases that followed the last one due to closing connections.
    private var followUps = 0

    mutating func opened(count: Int) {
        peak = max(peak, count)
    }

    /// Whether a release is due now that `count` connections are open; if so, none is due
    /// again until ``released(count:)``.
    mutating func closed(count: Int) -> Bool {
        guard !releasePending else { return false }
        guard (peak - count >= Self.minimumDrop && count <= peak / 2) || (count == 0 && tailPending) else { return false }
        releasePending = true
        followUps = 0
        return true
    }

    /// A release ran that began with `openAtStart` connections open, ended with `openNow` and
    /// handed memory back or not; returns whether one more is due. Connections that close while
    /// a release runs free their memory after it began: when those were the last, no later
    /// closing would call for the release that finishes the storm, so it is due now. Otherwise
    /// one follows a release that handed memory back, up to ``mostFollowUps`` in a row.
    mutating func released(openAtStart: Int, openNow: Int, handedBack: Bool) -> Bool {
        releasePending = false
        tailPending = openAtStart > 0
        peak = openNow
        if closed(count: openNow) { return true }
        guard handedBack, followUps < Self.mostFollowUps else { return false }
        followUps += 1
        releasePending = true
        return true
    }
}
