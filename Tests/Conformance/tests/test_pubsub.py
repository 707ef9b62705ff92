"""Publish and subscribe (PROTOCOL.md §5.3-§5.6, §5.10, §7, §11, §12, §13, §14)."""

import threading

from ternconf import wire as w
from ternconf.framework import test

from .util import expect_error, expect_no, messages, register, unique

E = w.ERROR_CODES


# --- §7 delivery ------------------------------------------------------------------------------

@test("§7 §5.6", "pubsub")
def message_carries_everything_published(env):
    """MESSAGE carries the topic, reply-to, headers (order and repeats kept), schema reference and payload as published."""
    sub = env.connect()
    pub = env.connect()
    topic = unique("pp") + ".x"
    sub.subscribe(7, topic)
    hs = [("tag", "a"), ("z", "été"), ("tag", "b"), ("empty", "")]
    ack = pub.publish_acked(topic, b"\x00\xffpayload", reply_to="inbox.7", headers=hs, schema=(999999, 7))
    assert ack["code"] == 0 and ack["message"] == "", ack
    m = sub.expect_type(w.MESSAGE)
    assert m["sub_id"] == 7 and m["topic"] == topic and m["reply_to"] == "inbox.7", m
    assert m["headers"] == hs, m["headers"]
    assert m["schema"] == (999999, 7), "an unbound topic passes the reference on unchecked: %r" % (m["schema"],)
    assert m["payload"] == b"\x00\xffpayload"


@test("§7 §5.6", "pubsub")
def minimal_message_has_no_optional_fields(env):
    """A PUBLISH without options is delivered as a MESSAGE with no flags."""
    sub = env.connect()
    topic = unique()
    sub.subscribe(1, topic)
    sub.publish(topic, b"hi")
    m = sub.expect_type(w.MESSAGE)
    assert m.flags == 0 and m["payload"] == b"hi", m


@test("§5.3", "pubsub")
def empty_payload(env):
    """A payload may be empty."""
    sub = env.connect()
    topic = unique()
    sub.subscribe(1, topic)
    assert sub.publish_acked(topic, b"")["code"] == 0
    assert sub.expect_type(w.MESSAGE)["payload"] == b""


@test("§7", "pubsub")
def publisher_receives_its_own_message(env):
    """A PUBLISH reaches every matching subscription, including the publisher's own."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)
    conn.publish(topic, b"self")
    assert conn.expect_type(w.MESSAGE)["payload"] == b"self"


@test("§7", "pubsub")
def one_message_per_matching_subscription(env):
    """A client with several matching subscriptions gets one MESSAGE per subscription."""
    conn = env.connect()
    base = unique()
    conn.subscribe(1, base + ".a")
    conn.subscribe(2, base + ".*")
    conn.subscribe(3, base + ".>")
    conn.subscribe(4, ">")
    conn.subscribe(5, base + ".b")
    conn.publish(base + ".a", b"x")
    got = sorted(conn.expect_type(w.MESSAGE, lambda f: f["topic"] == base + ".a")["sub_id"] for _ in range(4))
    assert got == [1, 2, 3, 4], got
    expect_no(conn, lambda f: f.type == w.MESSAGE and f["topic"] == base + ".a", what="extra MESSAGE")


@test("§7", "pubsub")
def delivered_across_connections(env):
    """A PUBLISH reaches matching subscriptions on every connection."""
    topic = unique()
    subs = [env.connect() for _ in range(4)]
    for i, s in enumerate(subs):
        s.subscribe(10 + i, topic)
    pub = env.connect()
    pub.publish_acked(topic, b"all")
    for i, s in enumerate(subs):
        m = s.expect_type(w.MESSAGE)
        assert m["sub_id"] == 10 + i and m["payload"] == b"all"


@test("§7", "pubsub")
def per_topic_order_is_kept(env):
    """Messages published by one connection on one topic reach each subscription in order."""
    sub = env.connect()
    topic = unique()
    sub.subscribe(1, topic)
    sub.subscribe(2, ">")
    pub = env.connect()
    n = 2000
    pub.send(b"".join(w.encode(w.PUBLISH, topic=topic, payload=b"%d" % i) for i in range(n)))
    for sid in (1, 2):
        got = [f["payload"] for f in messages(sub, sid, n, topic=topic)]
        assert got == [b"%d" % i for i in range(n)], "subscription %d out of order" % sid


@test("§7", "pubsub")
def order_kept_with_concurrent_publishers(env):
    """Per-publisher order holds on a topic that several connections publish to at once."""
    sub = env.connect()
    topic = unique()
    sub.subscribe(1, topic)
    pubs = [env.connect() for _ in range(3)]
    n = 300

    def run(idx, p):
        p.send(b"".join(w.encode(w.PUBLISH, topic=topic, payload=b"%d:%d" % (idx, i)) for i in range(n)))
    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(pubs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = [f["payload"].split(b":") for f in messages(sub, 1, 3 * n)]
    for idx in range(3):
        seq = [int(i) for p, i in got if int(p) == idx]
        assert seq == list(range(n)), "publisher %d out of order or incomplete" % idx


# --- §7 ACK -----------------------------------------------------------------------------------

@test("§7 §5.10", "pubsub")
def exactly_one_ack_per_publish(env):
    """With the ACK flag the broker answers exactly one ACK carrying the ack id, code 0 and an empty message."""
    conn = env.connect()
    topic = unique()
    ids = [0, 1, 2, 0xFFFFFFFFFFFFFFFF, 77]
    conn.send(b"".join(w.encode(w.PUBLISH, ack_id=i, topic=topic, payload=b"x") for i in ids))
    conn.flush()
    for i in ids:
        a = conn.expect_type(w.ACK, lambda f: f["ack_id"] == i)
        assert a["code"] == 0 and a["message"] == "", a
    expect_no(conn, lambda f: f.type == w.ACK, what="extra ACK")


@test("§7", "pubsub")
def no_ack_without_flag(env):
    """A PUBLISH without the ACK flag gets no ACK."""
    conn = env.connect()
    conn.publish(unique(), b"x")
    expect_no(conn, lambda f: f.type == w.ACK, what="ACK")


@test("§7 §5.6", "pubsub")
def ack_id_is_not_delivered(env):
    """The ack id is between publisher and broker: the MESSAGE has no ACK bit and no ack id."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)
    conn.publish_acked(topic, b"p", ack_id=0x0102030405060708)
    m = conn.expect_type(w.MESSAGE)
    assert not m.flags & 0x01 and m["payload"] == b"p"


# --- §7 topics --------------------------------------------------------------------------------

@test("§7 §13.1", "topics")
def publish_nobody_hears_makes_no_topic(env):
    """A PUBLISH to names no subscription matches is accepted (ACK code 0) however many names, even at a limit of 2 topics."""
    conn = env.connect("topics")
    root = unique("unheard")
    for i in range(5):
        ack = conn.publish_acked("%s.%d" % (root, i), b"x")
        assert ack["code"] == 0 and ack["message"] == "", ack


@test("§7 §13.1 §14", "topics")
def too_many_topics_once_a_subscription_matches(env):
    """Names a subscription matches make topics: at a limit of 2, a third new one gets ACK too_many_topics; the first two are delivered."""
    conn = env.connect("topics")
    root = unique("heard")
    conn.subscribe(1, root + ".>")
    acks = [conn.publish_acked("%s.%d" % (root, i), b"%d" % i) for i in range(3)]
    assert [a["code"] for a in acks[:2]] == [0, 0], acks
    assert acks[2]["code"] == E["too_many_topics"], acks[2]
    assert sorted(m["payload"] for m in messages(conn, 1, count=2)) == [b"0", b"1"]


# --- §11 wildcards ------------------------------------------------------------------------------

MATCH_TABLE = [
    ("orders.eu", ["orders.eu"], ["orders", "orders.eu.paris"]),
    ("orders.*", ["orders.eu", "orders.us"], ["orders", "orders.eu.paris"]),
    ("*.eu", ["orders.eu"], ["eu", "a.b.eu"]),
    ("orders.>", ["orders.eu", "orders.eu.paris"], ["orders"]),
    (">", ["orders", "orders.eu", "a.b.c.d"], []),
    ("*.>", ["orders.eu", "a.b.c"], ["orders"]),
    ("a.*.c", ["a.b.c", "a.x.c"], ["a.c", "a.b.c.d", "a.b.d"]),
    ("*.*", ["a.b"], ["a", "a.b.c"]),
    ("a.*.>", ["a.b.c", "a.b.c.d"], ["a.b", "a"]),
]


def _match_test(pattern, yes, no):
    def fn(env):
        # each row in its own topic space: prefix every token sequence with a unique root token
        root = unique("m")
        conn = env.connect()
        p = root + "." + pattern
        conn.subscribe(1, p)
        sentinel = unique("sentinel")
        conn.subscribe(2, sentinel)
        for t in yes + no:
            conn.publish(root + "." + t, t.encode())
        conn.publish(sentinel, b"end")
        got = []
        conn.expect_type(w.MESSAGE, lambda f: f["sub_id"] == 2)
        conn.flush()
        got = sorted(f["payload"].decode() for f in conn.take_all(w.MESSAGE, lambda f: f["sub_id"] == 1))
        want = sorted(t for t in yes if w.pattern_matches(p, root + "." + t))
        # the table's expectations, checked against our own matcher, then against the broker
        assert want == sorted(yes) and not any(w.pattern_matches(p, root + "." + t) for t in no), "table/matcher"
        expect_no(conn, lambda f: f.type == w.MESSAGE and f["sub_id"] == 1, settle=0.1)
        assert got == want, "pattern %s matched %s, expected %s" % (pattern, got, want)
    return fn


for _p, _yes, _no in MATCH_TABLE:
    _n = _p.replace(">", "gt").replace("*", "star").replace(".", "_")
    register("§11", "wildcards", "pattern_" + _n,
             "Pattern %s (after a fixed root token) matches %s and not %s." % (_p, _yes, _no),
             _match_test(_p, _yes, _no))


@test("§11", "wildcards")
def bare_gt_matches_every_topic(env):
    """The pattern `>` matches every topic, including one-token topics."""
    conn = env.connect()
    conn.subscribe(1, ">")
    t1, t2 = unique(), unique() + ".x.y"
    conn.publish(t1, b"1")
    conn.publish(t2, b"2")
    conn.expect_type(w.MESSAGE, lambda f: f["topic"] == t1)
    conn.expect_type(w.MESSAGE, lambda f: f["topic"] == t2)


@test("§11", "wildcards")
def star_eu_does_not_match_one_token(env):
    """`*.eu` does not match the one-token topic `eu` (a fresh connection subscribing to `*.<unique>`)."""
    conn = env.connect()
    tok = unique()
    conn.subscribe(1, "*." + tok)
    conn.publish(tok, b"no")
    conn.publish("a.b." + tok, b"no")
    conn.publish("a." + tok, b"yes")
    m = conn.expect_type(w.MESSAGE)
    assert m["payload"] == b"yes"
    expect_no(conn, lambda f: f.type == w.MESSAGE)


@test("§11", "wildcards")
def comparison_is_byte_for_byte(env):
    """Topic comparison is byte for byte: case and similar tokens do not match."""
    conn = env.connect()
    t = unique("Case")
    conn.subscribe(1, t + ".Eu")
    conn.publish(t + ".eu", b"lower")
    conn.publish(t + ".EU", b"upper")
    conn.publish(t + ".Eu", b"exact")
    assert conn.expect_type(w.MESSAGE)["payload"] == b"exact"
    expect_no(conn, lambda f: f.type == w.MESSAGE)


@test("§11", "wildcards")
def visible_ascii_topics_are_valid(env):
    """Topics of any visible ASCII other than `.`, `*`, `>` are valid (e.g. `a-b_c.~1`, punctuation)."""
    conn = env.connect()
    root = unique()
    weird = root + ".a-b_c.~1.!\"#$%&'()+,/:;<=?@[\\]^`{|}"
    conn.subscribe(1, weird)
    a = conn.publish_acked(weird, b"ok")
    assert a["code"] == 0, a
    assert conn.expect_type(w.MESSAGE)["topic"] == weird


# --- §11 invalid topics and patterns ----------------------------------------------------------

INVALID_TOPICS = ["", ".a", "a.", "a..b", "a b", "é", "a*", "a.*", "a.>", ">", "*", "a\tb", "a\x7fb"]
INVALID_PATTERNS = ["", ".a", "a.", "a..b", "a b", "é", "a*", "a.b>", "a.>.b", ">.a", "a.**", "a\x00"]


def _invalid_topic_ack(topic):
    def fn(env):
        conn = env.connect()
        a = conn.publish_acked(topic, b"x")
        assert a["code"] == E["invalid_topic"], "ACK %r" % a
        assert a["message"], "ACK for a refused publish has an empty message"
        conn.flush()
    return fn


def _invalid_pattern(pattern):
    def fn(env):
        conn = env.connect()
        conn.send_frame(w.SUBSCRIBE, sub_id=42, pattern=pattern)
        expect_error(conn, "invalid_pattern", subject=w.SUBJECT_SUBSCRIPTION, id=42, close=False)
        conn.flush()
    return fn


for _i, _t in enumerate(INVALID_TOPICS):
    register("§11 §7 §14", "topics", "invalid_topic_%02d_ack" % _i,
             "PUBLISH with ACK on the invalid topic %r gets ACK invalid_topic (no close)." % _t, _invalid_topic_ack(_t))
for _i, _p in enumerate(INVALID_PATTERNS):
    register("§11 §7 §14", "topics", "invalid_pattern_%02d" % _i,
             "SUBSCRIBE to the invalid pattern %r gets ERROR invalid_pattern, subject subscription, its id, no CLOSE." % _p,
             _invalid_pattern(_p))


@test("§7 §5.12 §14", "topics")
def invalid_topic_without_ack_is_error(env):
    """PUBLISH without ACK on an invalid topic gets ERROR invalid_topic, subject publish, id 0, no CLOSE; the message names the topic."""
    conn = env.connect()
    bad = unique("bad") + ".>"
    conn.publish(bad, b"x")
    fr = expect_error(conn, "invalid_topic", subject=w.SUBJECT_PUBLISH, id=0, close=False)
    assert bad in fr["message"], "message %r does not name the topic" % fr["message"]
    conn.flush()


@test("§11 §7", "topics")
def invalid_reply_to(env):
    """A PUBLISH whose reply-to is not a topic (wildcard, empty, `a..b`) gets invalid_topic; nothing is delivered."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)
    for rt in ("inbox.*", "", "a..b", "in box"):
        a = conn.publish_acked(topic, b"x", reply_to=rt)
        assert a["code"] == E["invalid_topic"], (rt, a)
    expect_no(conn, lambda f: f.type == w.MESSAGE)


@test("§11 §13", "topics")
def topic_length_limit(env):
    """Topics and reply-tos of max topic length (64) are valid; one byte more is invalid_topic; patterns one more is invalid_pattern."""
    conn = env.connect("limits")
    mx = conn.welcome["max_topic"]
    assert mx == 64
    root = unique("L")
    ok = root + "." + "x" * (mx - len(root) - 1)
    assert len(ok) == mx
    conn.subscribe(1, ok)
    assert conn.publish_acked(ok, b"x", reply_to=ok)["code"] == 0
    conn.expect_type(w.MESSAGE)
    too = ok + "y"
    assert conn.publish_acked(too, b"x")["code"] == E["invalid_topic"]
    assert conn.publish_acked(ok, b"x", reply_to=too)["code"] == E["invalid_topic"]
    conn.send_frame(w.SUBSCRIBE, sub_id=2, pattern=too)
    expect_error(conn, "invalid_pattern", subject=w.SUBJECT_SUBSCRIPTION, id=2, close=False)
    conn.send_frame(w.SUBSCRIBE, sub_id=3, pattern=root + ".*." + "x" * (mx - len(root) - 3))
    conn.flush()
    assert not conn.peek(w.ERROR, lambda f: f["id"] == 3), "a pattern of exactly max topic length was refused"


@test("§11 §13", "topics")
def default_topic_length_255(env):
    """With the defaults, a 255-byte topic is valid and a 256-byte one is invalid_topic."""
    conn = env.connect()
    root = unique("L")
    ok = root + "." + "x" * (255 - len(root) - 1)
    conn.subscribe(1, ok)
    assert conn.publish_acked(ok, b"x")["code"] == 0
    conn.expect_type(w.MESSAGE)
    assert conn.publish_acked(ok + "y", b"x")["code"] == E["invalid_topic"]


# --- §5.4 queue group names ---------------------------------------------------------------------

def _bad_group(group):
    def fn(env):
        conn = env.connect()
        conn.send_frame(w.SUBSCRIBE, sub_id=5, pattern=unique(), queue_group=group)
        expect_error(conn, "invalid_pattern", subject=w.SUBJECT_SUBSCRIPTION, id=5, close=False)
        conn.flush()
    return fn


for _i, (_g, _why) in enumerate([("", "empty"), ("g" * 256, "256 bytes"), ("a b", "a space"), ("é", "non-ASCII"),
                                 ("a\x7f", "DEL")]):
    register("§5.4 §11", "queue_groups", "invalid_group_%d" % _i,
             "A queue group that is %s is invalid_pattern (subject subscription, no CLOSE)." % _why, _bad_group(_g))


@test("§5.4", "queue_groups")
def group_of_255_bytes_is_valid(env):
    """A queue group of 255 bytes is valid."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic, queue_group="g" * 255)
    conn.publish(topic, b"x")
    assert conn.expect_type(w.MESSAGE)["sub_id"] == 1


@test("§5.4", "queue_groups")
def group_of_any_visible_ascii_is_valid(env):
    """A queue group is 1-255 bytes of visible ASCII (0x21-0x7E): `.`, `*`, `>`, `:` and other punctuation are allowed."""
    conn = env.connect()
    topic = unique()
    group = "".join(chr(c) for c in range(0x21, 0x7F))
    conn.subscribe(1, topic, queue_group=group)
    for i, g in enumerate(("g.1", "w*", ">", "a:b")):
        conn.subscribe(2 + i, topic, queue_group=g)
    conn.publish(topic, b"x")
    assert sorted(f["sub_id"] for f in messages(conn, None, 5)) == [1, 2, 3, 4, 5]


# --- §7 queue groups ------------------------------------------------------------------------------

@test("§7", "queue_groups")
def each_message_to_exactly_one_member(env):
    """Each message goes to exactly one member of a group (members on several connections); others get every message; the broker spreads them."""
    topic = unique()
    a = env.connect()
    b = env.connect()
    other = env.connect()
    a.subscribe(1, topic, queue_group="workers")
    a.subscribe(2, topic, queue_group="workers")
    b.subscribe(3, topic, queue_group="workers")
    other.subscribe(9, topic)
    other.subscribe(10, topic, queue_group="other-group")
    pub = env.connect()
    n = 90
    for i in range(n):
        pub.publish(topic, b"%d" % i)
    pub.flush()
    got9 = [f["payload"] for f in messages(other, 9, n)]
    got10 = [f["payload"] for f in messages(other, 10, n)]
    assert got9 == got10 == [b"%d" % i for i in range(n)]
    # wait until the group has n messages in all
    import time
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        total = len(a.peek(w.MESSAGE)) + len(b.peek(w.MESSAGE))
        if total >= n:
            break
        time.sleep(0.05)
    expect_no(a, lambda f: False, settle=0.2)
    members = {1: [], 2: [], 3: []}
    for conn in (a, b):
        for f in conn.take_all(w.MESSAGE):
            members[f["sub_id"]].append(int(f["payload"]))
    allgot = sorted(sum(members.values(), []))
    assert allgot == list(range(n)), "group got %d messages (%d distinct) for %d published" % (
        len(allgot), len(set(allgot)), n)
    assert sum(1 for v in members.values() if v) >= 2, "not spread: %r" % {k: len(v) for k, v in members.items()}


@test("§7", "queue_groups")
def group_members_with_different_patterns(env):
    """A message goes to one group member among those whose pattern matches it."""
    root = unique()
    a = env.connect()
    a.subscribe(1, root + ".x", queue_group="g")
    a.subscribe(2, root + ".y", queue_group="g")
    a.subscribe(3, root + ".*", queue_group="g")
    for i in range(30):
        a.publish(root + ".x", b"x%d" % i)
    a.flush()
    got = a.take_all(w.MESSAGE) + [a.expect_type(w.MESSAGE) for _ in range(0)]
    import time
    time.sleep(0.3)
    got += a.take_all(w.MESSAGE)
    assert len(got) == 30, "got %d messages for 30 publishes" % len(got)
    assert all(f["sub_id"] in (1, 3) for f in got), [f["sub_id"] for f in got]


# --- §7 unsubscribe ----------------------------------------------------------------------------------

@test("§7 §5.5", "subscriptions")
def unsubscribe_stops_delivery(env):
    """After UNSUBSCRIBE (and a flush) the closed subscription receives nothing more."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)
    conn.subscribe(2, topic)
    conn.publish(topic, b"before")
    messages(conn, 1)
    messages(conn, 2)
    conn.send_frame(w.UNSUBSCRIBE, sub_id=1)
    conn.flush()
    conn.take_all(w.MESSAGE)
    conn.publish(topic, b"after")
    assert messages(conn, 2)[0]["payload"] == b"after"
    expect_no(conn, lambda f: f.type == w.MESSAGE and f["sub_id"] == 1)


@test("§7 §14", "subscriptions")
def unsubscribe_unknown_id(env):
    """UNSUBSCRIBE of an id that is not open gets ERROR unknown_subscription, subject subscription, the id, no CLOSE."""
    conn = env.connect()
    conn.send_frame(w.UNSUBSCRIBE, sub_id=12345)
    expect_error(conn, "unknown_subscription", subject=w.SUBJECT_SUBSCRIPTION, id=12345, close=False)
    conn.subscribe(1, unique())
    conn.send_frame(w.UNSUBSCRIBE, sub_id=1)
    conn.send_frame(w.UNSUBSCRIBE, sub_id=1)
    expect_error(conn, "unknown_subscription", subject=w.SUBJECT_SUBSCRIPTION, id=1, close=False)
    conn.flush()


@test("§7 §14", "subscriptions")
def duplicate_subscription_id(env):
    """SUBSCRIBE with an id already open gets ERROR duplicate_subscription; the first subscription stays as it was."""
    conn = env.connect()
    t1, t2 = unique(), unique()
    conn.subscribe(8, t1)
    conn.send_frame(w.SUBSCRIBE, sub_id=8, pattern=t2)
    expect_error(conn, "duplicate_subscription", subject=w.SUBJECT_SUBSCRIPTION, id=8, close=False)
    conn.publish(t2, b"second")
    conn.publish(t1, b"first")
    m = conn.expect_type(w.MESSAGE)
    assert m["payload"] == b"first" and m["topic"] == t1, m
    expect_no(conn, lambda f: f.type == w.MESSAGE)


@test("§7", "subscriptions")
def ids_are_per_connection(env):
    """Subscription ids are chosen per connection: two connections may both use id 1."""
    a = env.connect()
    b = env.connect()
    topic = unique()
    a.subscribe(1, topic)
    b.subscribe(1, topic)
    a.publish(topic, b"x")
    assert messages(a, 1)[0]["payload"] == b"x"
    assert messages(b, 1)[0]["payload"] == b"x"


@test("§7", "subscriptions")
def resubscribe_after_unsubscribe(env):
    """After UNSUBSCRIBE the id is no longer open: SUBSCRIBE with it again is not a duplicate."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(3, topic)
    conn.send_frame(w.UNSUBSCRIBE, sub_id=3)
    conn.subscribe(3, topic)
    conn.publish(topic, b"again")
    assert messages(conn, 3)[0]["payload"] == b"again"


@test("§13 §14", "subscriptions")
def max_subscriptions(env):
    """A connection may hold max subscriptions (16); one more gets too_many_subscriptions; after an UNSUBSCRIBE there is room again."""
    conn = env.connect("limits")
    mx = conn.welcome["max_subscriptions"]
    assert mx == 16
    root = unique()
    for i in range(1, mx + 1):
        conn.send_frame(w.SUBSCRIBE, sub_id=i, pattern="%s.%d" % (root, i))
    conn.flush()
    assert not conn.peek(w.ERROR), conn.peek(w.ERROR)
    conn.send_frame(w.SUBSCRIBE, sub_id=100, pattern=root + ".x")
    expect_error(conn, "too_many_subscriptions", subject=w.SUBJECT_SUBSCRIPTION, id=100, close=False)
    conn.send_frame(w.UNSUBSCRIBE, sub_id=1)
    conn.subscribe(101, root + ".y")
    other = env.connect("limits")
    other.subscribe(1, root + ".y")   # the limit is per connection


# --- §12 / §13 headers and payload limits -----------------------------------------------------

@test("§12", "headers")
def header_flag_with_zero_count(env):
    """HEADERS with a count of 0 is treated as no headers; the MESSAGE has no HEADERS flag (a sender sets it only with headers)."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)
    assert conn.publish_acked(topic, b"x", headers=[])["code"] == 0
    m = conn.expect_type(w.MESSAGE)
    assert not m.flags & 0x04 and m["headers"] is None, m


@test("§12 §13 §14", "headers")
def header_bytes_limit(env):
    """Header names + values of exactly max header bytes (512) pass; one byte more is invalid_headers."""
    conn = env.connect("limits")
    mx = conn.welcome["max_header_bytes"]
    topic = unique()
    conn.subscribe(1, topic)
    hs = [("a" * 100, "b" * 100), ("c" * 100, "d" * (mx - 300))]
    assert conn.publish_acked(topic, b"x", headers=hs)["code"] == 0
    assert conn.expect_type(w.MESSAGE)["headers"] == hs
    hs2 = [("a" * 100, "b" * 100), ("c" * 100, "d" * (mx - 299))]
    a = conn.publish_acked(topic, b"x", headers=hs2)
    assert a["code"] == E["invalid_headers"], a
    conn.publish(topic, b"y", headers=hs2)
    expect_error(conn, "invalid_headers", subject=w.SUBJECT_PUBLISH, id=0, close=False)
    expect_no(conn, lambda f: f.type == w.MESSAGE)


@test("§12 §13", "headers")
def default_header_bytes_16384(env):
    """With the defaults, 16384 header bytes pass and 16385 are invalid_headers (multi-byte values count in bytes)."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)
    # 'é' is 2 bytes: byte counts, not characters
    hs = [("h", "é" * 8000), ("k", "v" * (16384 - 16002))]
    assert sum(len(n.encode()) + len(v.encode()) for n, v in hs) == 16384
    assert conn.publish_acked(topic, b"", headers=hs)["code"] == 0
    conn.expect_type(w.MESSAGE)
    hs[1] = ("k", "v" * (16385 - 16002))
    assert conn.publish_acked(topic, b"", headers=hs)["code"] == E["invalid_headers"]


@test("§13 §14", "payload")
def payload_limit(env):
    """A payload of max payload length (2048) passes; 2049 is payload_too_large (ACK, or ERROR subject publish without ACK)."""
    conn = env.connect("limits")
    mx = conn.welcome["max_payload"]
    topic = unique()
    conn.subscribe(1, topic)
    assert conn.publish_acked(topic, b"p" * mx)["code"] == 0
    assert len(conn.expect_type(w.MESSAGE)["payload"]) == mx
    a = conn.publish_acked(topic, b"p" * (mx + 1))
    assert a["code"] == E["payload_too_large"], a
    conn.publish(topic, b"p" * (mx + 1))
    expect_error(conn, "payload_too_large", subject=w.SUBJECT_PUBLISH, id=0, close=False)
    expect_no(conn, lambda f: f.type == w.MESSAGE)


def _names_topic_test(code, build):
    def fn(env):
        conn = env.connect("limits")
        topic = unique("named")
        conn.send(build(conn, topic))
        fr = expect_error(conn, code, subject=w.SUBJECT_PUBLISH, id=0, close=False)
        assert topic in fr["message"], "ERROR %s message %r does not name the topic %s" % (code, fr["message"], topic)
    return fn


for _code, _build in (
        ("invalid_topic", lambda c, t: w.encode(w.PUBLISH, topic=t + ".*", payload=b"")),
        ("payload_too_large", lambda c, t: w.encode(w.PUBLISH, topic=t, payload=b"p" * (c.welcome["max_payload"] + 1))),
        ("invalid_headers", lambda c, t: w.encode(w.PUBLISH, topic=t, headers=[("h", "v" * c.welcome["max_header_bytes"])]))):
    register("§7", "payload", "publish_error_names_topic_" + _code,
             "ERROR %s for a PUBLISH without ACK has subject publish, id 0, no CLOSE, and its message names the topic." % _code,
             _names_topic_test(_code, _build))


@test("§13", "payload")
def default_payload_limit(env):
    """With the defaults, a payload of 1044480 bytes is delivered and one of 1044481 is payload_too_large."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)
    big = bytes(range(256)) * (1044480 // 256)
    assert len(big) == 1044480
    assert conn.publish_acked(topic, big, timeout=30)["code"] == 0
    assert conn.expect_type(w.MESSAGE, timeout=30)["payload"] == big
    assert conn.publish_acked(topic, big + b"x", timeout=30)["code"] == E["payload_too_large"]


@test("§13", "payload")
def message_never_exceeds_max_frame(env):
    """max frame 8192, max payload 8191: a PUBLISH without ACK whose MESSAGE would exceed 8192 bytes is payload_too_large; one that fits is delivered."""
    conn = env.connect("tight")
    mf = conn.welcome["max_frame"]
    assert mf == 8192 and conn.welcome["max_payload"] == 8191, conn.welcome
    topic = unique("q")
    conn.subscribe(1, topic)
    # MESSAGE length = 2 + 4 (sub id) + 2 + len(topic) + payload
    fit = mf - 2 - 4 - 2 - len(topic)
    conn.publish(topic, b"f" * fit)
    assert len(conn.expect_type(w.MESSAGE)["payload"]) == fit
    conn.publish(topic, b"o" * (fit + 1))
    expect_error(conn, "payload_too_large", subject=w.SUBJECT_PUBLISH, id=0, close=False)
    # with an ACK id the PUBLISH is 4 bytes longer than its MESSAGE: the largest PUBLISH that fits is fine
    a = conn.publish_acked(topic, b"a" * (mf - 2 - 8 - 2 - len(topic)))
    assert a["code"] == 0, a
    assert len(conn.expect_type(w.MESSAGE)["payload"]) == mf - 2 - 8 - 2 - len(topic)
    expect_no(conn, lambda f: f.type == w.MESSAGE)


@test("§5.4 §5.6", "subscriptions")
def extreme_subscription_ids(env):
    """Subscription ids 0 and 0xFFFFFFFF are valid and come back in MESSAGE."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(0, topic)
    conn.subscribe(0xFFFFFFFF, topic)
    conn.publish(topic, b"x")
    got = sorted(f["sub_id"] for f in messages(conn, None, 2))
    assert got == [0, 0xFFFFFFFF], got
