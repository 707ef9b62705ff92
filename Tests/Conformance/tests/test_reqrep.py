"""Request and reply (PROTOCOL.md §5.7-§5.9, §7 responders, §8, §14)."""

import time

from ternconf import wire as w
from ternconf.framework import Skip, test

from .util import expect_error, expect_no, register, unique

E = w.ERROR_CODES


def incoming(conn, timeout=10.0, pred=None):
    return conn.expect_type(w.INCOMING_REQUEST, pred, timeout, "INCOMING_REQUEST")


def answer(conn, inc, payload=b"ok", code=0, **kw):
    conn.send_frame(w.REPLY, request_id=inc["request_id"], code=code, payload=payload, **kw)


@test("§8 §5.7 §5.8 §5.9", "reqrep")
def request_reply_round_trip(env):
    """REQUEST reaches one responder as INCOMING_REQUEST (its sub id, broker's request id, topic, headers, schema, payload); its REPLY returns with the requester's id."""
    resp = env.connect()
    req = env.connect()
    topic = unique("svc") + ".x"
    resp.subscribe(3, topic, responder=True)
    rid = req.request(topic, b"*", request_id=0xABCDEF0123, timeout_ms=5000, headers=[("a", "1"), ("a", "2")],
                      schema=(4, 1), wait=None)
    inc = incoming(resp)
    assert inc["sub_id"] == 3 and inc["topic"] == topic and inc["payload"] == b"*", inc
    assert inc["headers"] == [("a", "1"), ("a", "2")] and inc["schema"] == (4, 1), inc
    answer(resp, inc, b"+", headers=[("r", "v")], schema=(4, 2))
    rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
    assert rep["code"] == 0 and rep["payload"] == b"+", rep
    assert rep["headers"] == [("r", "v")] and rep["schema"] == (4, 2), rep


@test("§8", "reqrep")
def handler_failed_is_passed_on(env):
    """A responder's REPLY handler_failed reaches the requester with its code and UTF-8 message payload."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    rid = req.request(topic, b"q", wait=None)
    answer(resp, incoming(resp), "boom: été".encode(), code=E["handler_failed"])
    rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
    assert rep["code"] == E["handler_failed"] and rep["payload"] == "boom: été".encode(), rep


@test("§8 §14", "reqrep")
def no_responders(env):
    """A REQUEST with no matching responder gets REPLY no_responders at once, with a UTF-8 message; plain subscriptions do not count."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)    # not a responder
    t0 = time.monotonic()
    rep = conn.request(topic, b"?", timeout_ms=30000, wait=5)
    assert rep["code"] == E["no_responders"], rep
    assert rep["payload"].decode("utf-8"), "empty failure message"
    assert time.monotonic() - t0 < 5
    expect_no(conn, lambda f: f.type == w.MESSAGE, what="MESSAGE from a REQUEST")


@test("§8 §14", "reqrep")
def timeout(env):
    """No reply within the REQUEST's timeout (300 ms) gets REPLY timeout, not before the timeout."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    t0 = time.monotonic()
    rid = req.request(topic, b"slow", timeout_ms=300, wait=None)
    incoming(resp)
    rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid, 10)
    took = time.monotonic() - t0
    assert rep["code"] == E["timeout"], rep
    assert took >= 0.25, "timed out after %.3fs" % took
    assert rep["payload"].decode("utf-8")


@test("§8", "reqrep")
def late_reply_is_dropped_silently(env):
    """A REPLY that arrives after its request timed out is dropped: the requester gets nothing more, the responder is not told."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    rid = req.request(topic, b"slow", timeout_ms=200, wait=None)
    inc = incoming(resp)
    assert req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)["code"] == E["timeout"]
    answer(resp, inc, b"late")
    expect_no(resp, lambda f: f.type == w.ERROR, what="ERROR to the responder")
    expect_no(req, lambda f: f.type == w.REPLY, what="second REPLY")


@test("§8", "reqrep")
def timeout_zero_uses_default(env):
    """Timeout 0 means the broker's default: a reply after 500 ms still arrives with code 0."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    rid = req.request(topic, b"x", timeout_ms=0, wait=None)
    inc = incoming(resp)
    time.sleep(0.5)
    answer(resp, inc, b"fine")
    rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
    assert rep["code"] == 0 and rep["payload"] == b"fine", rep


@test("§8 §6.3 §14", "reqrep")
def responder_gone(env):
    """When the responder's connection closes with the request in flight, the requester gets REPLY responder_gone."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    rid = req.request(topic, b"x", timeout_ms=20000, wait=None)
    incoming(resp)
    resp.abort()
    rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid, 10)
    assert rep["code"] == E["responder_gone"], rep


@test("§8 §6.3", "reqrep")
def responder_goodbye_with_request_in_flight(env):
    """A responder that says GOODBYE with a request in flight: the requester gets REPLY responder_gone."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    rid = req.request(topic, b"x", timeout_ms=20000, wait=None)
    incoming(resp)
    resp.goodbye()
    rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid, 10)
    assert rep["code"] == E["responder_gone"], rep


@test("§6.3 §8", "reqrep")
def closed_responder_subscription_ends(env):
    """A connection that closes without GOODBYE loses its subscriptions: later requests get no_responders."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    resp.abort()
    deadline = time.monotonic() + 10
    while True:
        rep = req.request(topic, b"x", timeout_ms=500)
        if rep["code"] == E["no_responders"]:
            break
        assert rep["code"] in (E["responder_gone"], E["timeout"]), rep
        assert time.monotonic() < deadline, "the closed connection's responder still gets requests"


@test("§8 §14 §5.12", "reqrep")
def unknown_request_id(env):
    """A REPLY with a request id the broker never issued on the connection gets ERROR unknown_request, subject request, the id, no CLOSE."""
    conn = env.connect()
    conn.send_frame(w.REPLY, request_id=0x5EED, code=0, payload=b"?")
    expect_error(conn, "unknown_request", subject=w.SUBJECT_REQUEST, id=0x5EED, close=False, timeout=3)
    conn.flush()


@test("§8", "reqrep")
def reply_on_other_connection_is_unknown(env):
    """Request ids are per connection: a REPLY with an id issued to another connection is unknown_request and does not answer it."""
    resp = env.connect()
    other = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    rid = req.request(topic, b"x", timeout_ms=3000, wait=None)
    inc = incoming(resp)
    other.send_frame(w.REPLY, request_id=inc["request_id"], code=0, payload=b"forged")
    expect_error(other, "unknown_request", subject=w.SUBJECT_REQUEST, id=inc["request_id"], close=False, timeout=3)
    answer(resp, inc, b"real")
    rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
    assert rep["payload"] == b"real", rep


@test("§8", "reqrep")
def second_reply_is_dropped(env):
    """Every REQUEST gets exactly one REPLY: a responder's second REPLY to the same request is dropped (the request has ended)."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    rid = req.request(topic, b"x", wait=None)
    inc = incoming(resp)
    answer(resp, inc, b"one")
    assert req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)["payload"] == b"one"
    answer(resp, inc, b"two")
    expect_no(req, lambda f: f.type == w.REPLY, what="second REPLY")
    expect_no(resp, lambda f: f.type == w.ERROR, what="ERROR to the responder")


@test("§8", "reqrep")
def exactly_one_responder_and_spread(env):
    """Each request goes to exactly one of several responders (on several connections), spread over them."""
    topic = unique()
    rs = [env.connect() for _ in range(3)]
    for i, r in enumerate(rs):
        r.subscribe(1, topic, responder=True)
    req = env.connect()
    n = 30
    rids = [req.request(topic, b"%d" % i, timeout_ms=10000, wait=None) for i in range(n)]
    got = {}
    deadline = time.monotonic() + 10
    while sum(len(v) for v in got.values()) < n and time.monotonic() < deadline:
        for i, r in enumerate(rs):
            for inc in r.take_all(w.INCOMING_REQUEST):
                got.setdefault(i, []).append(inc["payload"])
                answer(r, inc, b"r%d" % i)
        time.sleep(0.02)
    for rid in rids:
        req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
    all_payloads = sorted(int(p) for v in got.values() for p in v)
    assert all_payloads == list(range(n)), "requests seen by responders: %r" % all_payloads
    assert len([k for k, v in got.items() if v]) >= 2, "not spread: %r" % {k: len(v) for k, v in got.items()}
    for r in rs:
        expect_no(r, lambda f: f.type == w.INCOMING_REQUEST, settle=0.1, what="duplicate INCOMING_REQUEST")


@test("§7 §8", "reqrep")
def responder_gets_no_messages(env):
    """A RESPONDER subscription receives INCOMING_REQUESTs and no MESSAGEs; a plain subscription gets no INCOMING_REQUESTs."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic, responder=True)
    conn.subscribe(2, topic)
    conn.publish(topic, b"pub")
    m = conn.expect_type(w.MESSAGE)
    assert m["sub_id"] == 2
    rid = conn.request(topic, b"req", wait=None)
    inc = incoming(conn)
    assert inc["sub_id"] == 1
    answer(conn, inc, b"self")
    assert conn.expect_type(w.REPLY, lambda f: f["request_id"] == rid)["payload"] == b"self"
    expect_no(conn, lambda f: f.type == w.MESSAGE and f["sub_id"] == 1, what="MESSAGE to a responder")
    expect_no(conn, lambda f: f.type == w.INCOMING_REQUEST, what="extra INCOMING_REQUEST")


@test("§7 §8", "reqrep")
def queue_group_on_responder_has_no_effect(env):
    """A queue group on a responder changes nothing: with a grouped and an ungrouped responder, each request reaches exactly one."""
    topic = unique()
    a = env.connect()
    b = env.connect()
    a.subscribe(1, topic, responder=True, queue_group="g")
    b.subscribe(1, topic, responder=True)
    req = env.connect()
    n = 20
    rids = [req.request(topic, b"%d" % i, wait=None) for i in range(n)]
    seen = []
    deadline = time.monotonic() + 10
    while len(seen) < n and time.monotonic() < deadline:
        for r in (a, b):
            for inc in r.take_all(w.INCOMING_REQUEST):
                seen.append(int(inc["payload"]))
                answer(r, inc)
        time.sleep(0.02)
    for rid in rids:
        req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
    assert sorted(seen) == list(range(n)), seen


@test("§8", "reqrep")
def wildcard_responder(env):
    """A responder's pattern may hold wildcards; INCOMING_REQUEST carries the REQUEST's topic."""
    resp = env.connect()
    root = unique()
    resp.subscribe(4, root + ".*.get", responder=True)
    req = env.connect()
    rid = req.request(root + ".users.get", b"x", wait=None)
    inc = incoming(resp)
    assert inc["topic"] == root + ".users.get" and inc["sub_id"] == 4
    answer(resp, inc)
    req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)


@test("§5.8", "reqrep")
def broker_request_ids_unique_in_flight(env):
    """INCOMING_REQUEST ids are unique among the responder connection's requests in flight (even when requesters reuse ids)."""
    resp = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    reqs = [env.connect() for _ in range(3)]
    for r in reqs:
        for i in range(5):
            r.request(topic, b"x", request_id=i, wait=None)   # same ids on every requester
    incs = [incoming(resp) for _ in range(15)]
    ids = [i["request_id"] for i in incs]
    assert len(set(ids)) == 15, ids
    for inc in incs:
        answer(resp, inc, inc["payload"])
    for r in reqs:
        got = sorted(r.expect_type(w.REPLY)["request_id"] for _ in range(5))
        assert got == list(range(5)), got


@test("§8", "reqrep")
def unsubscribed_responder_may_still_answer(env):
    """A responder subscription closed with UNSUBSCRIBE may still answer the requests it already received."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    rid = req.request(topic, b"x", timeout_ms=5000, wait=None)
    inc = incoming(resp)
    resp.send_frame(w.UNSUBSCRIBE, sub_id=1)
    resp.flush()
    answer(resp, inc, b"after unsubscribe")
    rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
    assert rep["code"] == 0 and rep["payload"] == b"after unsubscribe", rep
    expect_no(resp, lambda f: f.type == w.ERROR)
    rep = req.request(topic, b"y")
    assert rep["code"] == E["no_responders"], rep


@test("§8", "reqrep")
def requester_leaves_reply_dropped(env):
    """A REPLY that arrives after the requester left is dropped; the responder is not told."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    req.request(topic, b"x", timeout_ms=10000, wait=None)
    inc = incoming(resp)
    req.goodbye()
    req.wait_closed(10)
    time.sleep(0.2)
    answer(resp, inc, b"nobody")
    expect_no(resp, lambda f: f.type == w.ERROR, what="ERROR to the responder")


# --- §8 invalid requests ----------------------------------------------------------------------

def _invalid_request(code, name, build):
    def fn(env):
        conn = env.connect("limits")
        topic = unique()
        conn.subscribe(1, topic, responder=True)
        kw = build(conn, topic)
        rep = conn.request(timeout_ms=1000, **kw)
        assert rep["code"] == E[code], rep
        assert rep["payload"].decode("utf-8"), "failure REPLY without a message"
        expect_no(conn, lambda f: f.type == w.INCOMING_REQUEST, what="INCOMING_REQUEST for an invalid REQUEST")
    return fn


for _code, _name, _build in (
        ("invalid_topic", "wildcard", lambda c, t: dict(topic=t + ".*")),
        ("invalid_topic", "empty", lambda c, t: dict(topic="")),
        ("invalid_topic", "too_long", lambda c, t: dict(topic=t + "." + "x" * c.welcome["max_topic"])),
        ("payload_too_large", "payload", lambda c, t: dict(topic=t, payload=b"p" * (c.welcome["max_payload"] + 1))),
        ("invalid_headers", "headers", lambda c, t: dict(topic=t, headers=[("h", "v" * c.welcome["max_header_bytes"])]))):
    register("§8 §14", "reqrep", "invalid_request_%s" % _name,
             "A REQUEST with an invalid %s gets REPLY %s (and reaches no responder)." % (_name, _code),
             _invalid_request(_code, _name, _build))


@test("§13 §8", "reqrep")
def request_payload_at_limit(env):
    """A REQUEST payload of exactly max payload length (2048) is delivered; so is a REPLY payload of that size."""
    resp = env.connect("limits")
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    mx = resp.welcome["max_payload"]
    req = env.connect("limits")
    rid = req.request(topic, b"q" * mx, wait=None)
    inc = incoming(resp)
    assert len(inc["payload"]) == mx
    answer(resp, inc, b"r" * mx)
    rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
    assert rep["code"] == 0 and len(rep["payload"]) == mx, rep


@test("§8 §14", "reqrep")
def too_many_requests(env):
    """A connection with more requests in flight than the broker allows gets REPLY too_many_requests (the limit is not announced; tried up to 80000)."""
    br = env.fresh_broker("requests")   # a private broker: tens of thousands of requests in flight
    resp = env.connect(br)
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    req = env.connect(br)
    n = 80000
    batch = 5000
    for start in range(0, n, batch):
        req.send(b"".join(w.encode(w.REQUEST, request_id=i, timeout=60000, topic=topic, payload=b"")
                          for i in range(start, start + batch)))
        req.flush(60)
        refused = req.peek(w.REPLY, lambda f: f["code"] == E["too_many_requests"])
        if refused:
            return
        other = req.peek(w.REPLY)
        assert not other, "unexpected REPLY: %r" % other[:3]
    try:
        req.expect_type(w.REPLY, lambda f: f["code"] == E["too_many_requests"], 10)
        return
    except AssertionError:
        pass
    raise Skip("no too_many_requests after %d requests in flight; the broker's limit is unknown (not in WELCOME)" % n)


@test("§8 §14", "reqrep")
def responder_codes_are_passed_on(env):
    """The broker sends the requester the responder's code unchanged, including codes this version does not define (0x02ff, 0x7777)."""
    resp = env.connect()
    req = env.connect()
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    for code in (E["timeout"], 0x02FF, 0x7777, E["invalid_payload"]):
        rid = req.request(topic, b"x", wait=None)
        answer(resp, incoming(resp), b"why", code=code)
        rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
        assert rep["code"] == code and rep["payload"] == b"why", rep


# --- §8 replies over the limits, request ids, order of checks -----------------------------------

def _responder_and_requester(env, name="main"):
    """A connection with a responder subscription (id 1) on a fresh topic, another to request on it."""
    resp = env.connect(name)
    req = env.connect(name)
    topic = unique()
    resp.subscribe(1, topic, responder=True)
    return resp, req, topic


def _reply_over_limit(code, build):
    def fn(env):
        resp, req, topic = _responder_and_requester(env, "limits")
        rid = req.request(topic, b"q", timeout_ms=5000, wait=None)
        inc = incoming(resp)
        answer(resp, inc, **build(resp))
        expect_error(resp, code, subject=w.SUBJECT_REQUEST, id=inc["request_id"], close=False, timeout=3)
        rep = req.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
        assert rep["code"] == E[code], "the requester got %r, expected REPLY %s" % (rep, code)
        assert rep["payload"].decode("utf-8"), "failure REPLY without a message"
        # The request has ended: a corrected REPLY is dropped, not forwarded.
        answer(resp, inc, b"late")
        expect_no(req, lambda f: f.type == w.REPLY, what="a second REPLY")
        expect_no(resp, lambda f: f.type == w.ERROR, settle=0.1, what="ERROR for the late REPLY")
    return fn


for _code, _name, _build in (
        ("payload_too_large", "payload", lambda c: dict(payload=b"r" * (c.welcome["max_payload"] + 1))),
        ("invalid_headers", "headers", lambda c: dict(headers=[("h", "v" * c.welcome["max_header_bytes"])]))):
    register("§8 §12 §13 §14", "reqrep", "reply_over_limit_%s" % _name,
             "A responder's REPLY over the %s limit is not forwarded: the responder gets ERROR %s (subject request, "
             "its id, no CLOSE), the requester REPLY %s, and the request ends." % (_name, _code, _code),
             _reply_over_limit(_code, _build))


@test("§8", "reqrep")
def repeated_request_id_gets_one_reply_each(env):
    """Two REQUESTs in flight with one id are both routed and each gets a REPLY carrying that id."""
    resp, req, topic = _responder_and_requester(env)
    req.request(topic, b"a", request_id=42, wait=None)
    req.request(topic, b"b", request_id=42, wait=None)
    first, second = incoming(resp), incoming(resp)
    assert {first["payload"], second["payload"]} == {b"a", b"b"}, (first, second)
    assert first["request_id"] != second["request_id"], "the broker's ids must differ: %r %r" % (first, second)
    answer(resp, first, b"1")
    answer(resp, second, b"2")
    replies = [req.expect_type(w.REPLY, lambda f: f["request_id"] == 42) for _ in range(2)]
    assert sorted(r["payload"] for r in replies) == [b"1", b"2"], replies


@test("§8", "reqrep")
def broker_request_ids_start_at_one(env):
    """The ids of INCOMING_REQUEST start at 1 on a connection and grow by 1; a REPLY with id 0 is unknown_request."""
    resp, req, topic = _responder_and_requester(env)
    for n in range(3):
        req.request(topic, b"%d" % n, wait=None)
    ids = [incoming(resp)["request_id"] for _ in range(3)]
    assert ids == [1, 2, 3], ids
    resp.send_frame(w.REPLY, request_id=0, code=0, payload=b"")
    expect_error(resp, "unknown_request", subject=w.SUBJECT_REQUEST, id=0, close=False, timeout=3)


@test("§8 §10.2", "reqrep")
def request_checks_come_in_order(env):
    """The first failing check decides a REQUEST's REPLY: payload before headers, the binding before no_responders."""
    conn = env.connect("limits")
    topic = unique()
    big_payload = b"p" * (conn.welcome["max_payload"] + 1)
    big_headers = [("h", "v" * conn.welcome["max_header_bytes"])]
    rep = conn.request(topic, big_payload, headers=big_headers, timeout_ms=1000)
    assert rep["code"] == E["payload_too_large"], rep
    subject = unique("s")
    info = conn.registry(w.SCHEMA_REGISTER, subject=subject, definition="record R{a:int32}")
    assert info.type == w.SCHEMA_INFO, info
    assert conn.registry(w.SCHEMA_BIND, topic=topic, subject=subject)["code"] == 0
    rep = conn.request(topic, b"\x02", timeout_ms=1000)
    assert rep["code"] == E["schema_required"], "no responder and no schema reference: %r" % rep
    rep = conn.request(topic, b"\x02", schema=info["ref"], timeout_ms=1000)
    assert rep["code"] == E["no_responders"], rep
