"""Overflow policies and drops (PROTOCOL.md §9, §5.13, §14), provoked with the ternd flags of
README.md: --overflow-policy, small --mailbox-messages / --subscriber-queue-messages, a short
--slow-consumer-timeout, a small --max-pending-bytes.  A "frozen" subscriber stops reading
its socket (with a small receive buffer) while a publisher floods the topic."""

import time

from ternconf import wire as w
from ternconf.framework import test

from .util import expect_no, unique, wait_until

E = w.ERROR_CODES
N = 3000
SIZE = 4000
FROZEN_FOR = 2.5   # seconds a frozen subscriber stays frozen under block: more than --slow-consumer-timeout 1s


def _payload(i):
    return b"%06d" % i + b"x" * (SIZE - 6)


def _flood(pub, topic, ack=True, n=N):
    pub.send(b"".join(w.encode(w.PUBLISH, ack_id=i if ack else None, topic=topic, payload=_payload(i))
                      for i in range(n)))


def _seqs(conn, sub_id):
    return [int(f["payload"][:6]) for f in conn.log if f.type == w.MESSAGE and f["sub_id"] == sub_id]


def _drops(conn, sub_id):
    return [f for f in conn.log if f.type == w.DROP_NOTICE and f["sub_id"] == sub_id]


def _accounted(conn, sub_id, n=N):
    return len(_seqs(conn, sub_id)) + sum(d["count"] for d in _drops(conn, sub_id)) >= n


def _setup(env, policy):
    br = env.broker(policy)
    frozen = env.connect(br, rcvbuf=8192, label="frozen")
    fast = env.connect(br, label="fast")
    topic = unique("ov")
    frozen.subscribe(1, topic)
    fast.subscribe(2, topic)
    frozen.pause()
    pub = env.connect(br, label="pub")
    return frozen, fast, pub, topic


def _drop_test(policy, reason):
    def fn(env):
        frozen, fast, pub, topic = _setup(env, policy)
        _flood(pub, topic)
        acks = [pub.expect_type(w.ACK, timeout=30) for _ in range(N)]
        bad = [a for a in acks if a["code"] != 0]
        assert not bad, "%s: a publish whose message was dropped still counts as accepted (ACK 0): %r" % (policy, bad[:3])
        time.sleep(0.5)
        frozen.resume()
        for conn, sid in ((frozen, 1), (fast, 2)):
            wait_until(lambda: _accounted(conn, sid), 30,
                       "sub %d: messages + DROP_NOTICE counts to reach %d (got %d + %d)" % (
                           sid, N, len(_seqs(conn, sid)), sum(d["count"] for d in _drops(conn, sid))))
        for conn, sid in ((frozen, 1), (fast, 2)):
            seq = _seqs(conn, sid)
            drops = _drops(conn, sid)
            dropped = sum(d["count"] for d in drops)
            assert len(seq) + dropped == N, "sub %d: %d delivered + %d reported dropped != %d published" % (
                sid, len(seq), dropped, N)
            assert seq == sorted(set(seq)), "sub %d: delivered out of order or twice" % sid
            assert all(d["reason"] == reason and d["count"] >= 1 for d in drops), drops[:3]
        assert _drops(frozen, 1), "the frozen subscriber lost nothing: the flood did not overflow"
        return frozen, fast
    return fn


@test("§9 §5.13", "overflow")
def drop_oldest_reports_every_drop(env):
    """drop-oldest: the frozen subscriber's delivered messages plus its DROP_NOTICE (reason 1) counts equal what was published; order is kept; the newest survives; ACKs are 0."""
    frozen, _ = _drop_test("drop_oldest", 1)(env)
    assert _seqs(frozen, 1)[-1] == N - 1, "drop-oldest discarded the newest message"


@test("§9 §5.13", "overflow")
def drop_newest_reports_every_drop(env):
    """drop-newest: delivered plus DROP_NOTICE (reason 2) counts equal what was published; order is kept; the first message survives; ACKs are 0."""
    frozen, _ = _drop_test("drop_newest", 2)(env)
    assert _seqs(frozen, 1)[0] == 0, "drop-newest discarded the oldest message"


@test("§9 §14 §5.10", "overflow")
def reject_answers_mailbox_full_in_ack(env):
    """reject: once the mailbox is full, PUBLISHes get ACK mailbox_full (with a message); subscribers receive exactly the accepted messages, no DROP_NOTICE."""
    frozen, fast, pub, topic = _setup(env, "reject")
    _flood(pub, topic)
    acks = [pub.expect_type(w.ACK, timeout=30) for _ in range(N)]
    full = [a for a in acks if a["code"] == E["mailbox_full"]]
    other = [a for a in acks if a["code"] not in (0, E["mailbox_full"])]
    assert full, "no mailbox_full though the subscriber is frozen"
    assert not other, other[:3]
    assert all(a["message"] for a in full), "mailbox_full ACK without a message"
    accepted = sorted(a["ack_id"] for a in acks if a["code"] == 0)
    wait_until(lambda: len(_seqs(fast, 2)) >= len(accepted), 30, "the fast subscriber to get the accepted messages")
    fast.flush()
    time.sleep(0.3)
    assert _seqs(fast, 2) == accepted, "fast subscriber got %d messages, %d were accepted" % (len(_seqs(fast, 2)), len(accepted))
    frozen.resume()
    time.sleep(0.5)
    got = _seqs(frozen, 1)
    assert got == accepted[:len(got)], "frozen subscriber: not a prefix of the accepted messages"
    assert not _drops(frozen, 1) and not _drops(fast, 2), "DROP_NOTICE under reject"


@test("§9 §7 §14", "overflow")
def reject_without_ack_is_error(env):
    """reject without the ACK flag: ERROR mailbox_full, subject publish, id 0, no CLOSE."""
    frozen, fast, pub, topic = _setup(env, "reject")
    _flood(pub, topic, ack=False)
    fr = pub.expect_type(w.ERROR, timeout=30)
    assert fr["code"] == E["mailbox_full"] and fr["subject"] == w.SUBJECT_PUBLISH and fr["id"] == 0, fr
    assert not fr["close"], fr
    pub.flush(30)
    frozen.resume()


@test("§9 §14", "overflow")
def block_loses_nothing_and_drops_slow_consumer(env):
    """block: the other subscriber gets every message in order, nobody gets DROP_NOTICE, ACKs are 0; the frozen subscriber gets a gapless prefix and, unless it got everything, ERROR slow_consumer with CLOSE."""
    frozen, fast, pub, topic = _setup(env, "block")
    t0 = time.monotonic()
    _flood(pub, topic)
    acks = [pub.expect_type(w.ACK, timeout=30) for _ in range(N)]
    assert all(a["code"] == 0 for a in acks), [a for a in acks if a["code"]][:3]
    wait_until(lambda: len(_seqs(fast, 2)) >= N, 30, "the fast subscriber to get everything")
    assert _seqs(fast, 2) == list(range(N))
    time.sleep(max(0.0, FROZEN_FOR - (time.monotonic() - t0)))
    frozen.resume()
    wait_until(lambda: frozen.is_closed() or len(_seqs(frozen, 1)) >= N, 30,
               "the frozen subscriber to be closed or to get everything")
    got = _seqs(frozen, 1)
    assert got == list(range(len(got))), "the frozen subscriber lost messages (no DROP_NOTICE under block)"
    if len(got) < N:
        errs = [f for f in frozen.log if f.type == w.ERROR]
        assert errs and errs[-1]["code"] == E["slow_consumer"] and errs[-1]["close"], \
            "frozen subscriber closed after %d of %d messages without ERROR slow_consumer: %r" % (len(got), N, errs)
        assert not frozen.after_close, frozen.after_close
    assert not _drops(fast, 2) and not _drops(frozen, 1)


@test("§9 §14", "overflow")
def outbound_limit_exceeded(env):
    """A connection that does not read while more than --max-pending-bytes wait for it gets ERROR outbound_limit_exceeded with CLOSE."""
    br = env.broker("pending")
    frozen = env.connect(br, rcvbuf=8192, label="frozen")
    topic = unique("ol")
    frozen.subscribe(1, topic)
    frozen.pause()
    pub = env.connect(br, label="pub")
    _flood(pub, topic, ack=False)
    pub.flush(30)
    time.sleep(0.5)
    frozen.resume()
    fr = frozen.expect_type(w.ERROR, timeout=30)
    assert fr["code"] == E["outbound_limit_exceeded"] and fr["close"], fr
    frozen.wait_closed(10)
    assert not frozen.after_close
