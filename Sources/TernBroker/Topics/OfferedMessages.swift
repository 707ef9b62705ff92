import DequeModule

/// Messages a topic offers to a subscriber's queue: a stretch of its mailbox, or of a batch of
/// publishes that goes to subscribers without entering the mailbox (nothing waited there).
///
/// Indices are those of the whole mailbox or batch, so that a stretch of a stretch keeps them.
enum OfferedMessages: RandomAccessCollection {
    case mailbox(Slice<Deque<PublishedMessage>>)
    case batch(ArraySlice<PublishedMessage>)

    var startIndex: Int {
        switch self {
        case .mailbox(let messages): messages.startIndex
        case .batch(let messages): messages.startIndex
        }
    }

    var endIndex: Int {
        switch self {
        case .mailbox(let messages): messages.endIndex
        case .batch(let messages): messages.endIndex
        }
    }

    subscript(position: Int) -> PublishedMessage {
        switch self {
        case .mailbox(let messages): messages[position]
        case .batch(let messages): messages[position]
        }
    }

    subscript(bounds: Range<Int>) -> OfferedMessages {
        switch self {
        case .mailbox(let messages): .mailbox(messages[bounds])
        case .batch(let messages): .batch(messages[bounds])
        }
    }
}
