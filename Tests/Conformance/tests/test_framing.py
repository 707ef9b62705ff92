"""Framing (PROTOCOL.md §2, §3, §4, §12, §15.2): limits of the length prefix, reserved flags,
truncation, trailing bytes, invalid UTF-8 and header names, unknown types, wrong direction."""

import struct
import time

from ternconf import wire as w
from ternconf.framework import test

from .util import expect_error, expect_fatal, raw, register, unique


def _f(ftype, flags, body):
    return w.frame_bytes(ftype, flags, body)


# --- §3 rule 1: frame_too_large -------------------------------------------------------------

@test("§3 rule 1", "framing")
def length_over_max_fails_at_once(env):
    """A length prefix one over the max frame length gets ERROR frame_too_large with CLOSE as soon as its 4 bytes arrive."""
    conn = env.connect()
    conn.send(struct.pack(">I", conn.welcome["max_frame"] + 1))
    expect_fatal(conn, "frame_too_large", timeout=5)


@test("§3 rule 1", "framing")
def length_4gib_fails_at_once(env):
    """A 0xffffffff length prefix gets ERROR frame_too_large with CLOSE after its 4 bytes, nothing buffered."""
    conn = env.connect()
    conn.send(b"\xff\xff\xff\xff")
    expect_fatal(conn, "frame_too_large", timeout=5)


@test("§3 rule 1", "framing")
def length_over_max_before_hello(env):
    """The server applies the max frame length from the first byte it reads: a huge first prefix is frame_too_large."""
    conn = raw(env)
    conn.send(b"\x00\x10\x00\x01")
    expect_fatal(conn, "frame_too_large", timeout=5)


@test("§3 rule 1 §13", "framing")
def frame_of_exactly_max_length_is_read(env):
    """A frame whose length equals the max frame length is read whole (here: an unknown type, skipped)."""
    conn = env.connect()
    mx = conn.welcome["max_frame"]
    conn.send(_f(0x7F, 0, b"\xab" * (mx - 2)))
    expect_error(conn, "unknown_frame_type", subject=w.SUBJECT_CONNECTION, id=0x7F, close=False)
    conn.flush()


@test("§3 rule 1 §13", "framing")
def configured_max_frame_is_enforced(env):
    """With --max-frame-size 8KiB: a frame of exactly 8192 is read, a prefix of 8193 is frame_too_large."""
    conn = env.connect("limits")
    assert conn.welcome["max_frame"] == 8192, conn.welcome
    conn.send(_f(0x7F, 0, b"\x00" * 8190))
    expect_error(conn, "unknown_frame_type", id=0x7F, close=False)
    conn.flush()
    conn.send(struct.pack(">I", 8193))
    expect_fatal(conn, "frame_too_large", timeout=5)


# --- §3 rule 2 --------------------------------------------------------------------------------

@test("§3 rule 2", "framing")
def length_zero_is_malformed(env):
    """A length of 0 is malformed_frame, with CLOSE."""
    conn = env.connect()
    conn.send(b"\x00\x00\x00\x00")
    expect_fatal(conn, "malformed_frame", timeout=5)


@test("§3 rule 2", "framing")
def length_one_is_malformed(env):
    """A length of 1 (a type and no flags) is malformed_frame, with CLOSE."""
    conn = env.connect()
    conn.send(b"\x00\x00\x00\x01\x0b")
    expect_fatal(conn, "malformed_frame", timeout=5)


# --- §3 rule 3 --------------------------------------------------------------------------------

@test("§3 rule 3", "framing")
def frame_split_into_single_bytes(env):
    """A frame that arrives one byte at a time is assembled from its length and processed."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)
    data = w.encode(w.PUBLISH, ack_id=5, topic=topic, headers=[("k", "v")], payload=b"split")
    for i in range(len(data)):
        conn.send(data[i:i + 1])
    conn.expect_type(w.ACK, lambda f: f["ack_id"] == 5 and f["code"] == 0)
    m = conn.expect_type(w.MESSAGE)
    assert m["payload"] == b"split" and m["headers"] == [("k", "v")]


@test("§3", "framing")
def many_frames_in_one_write(env):
    """Several frames in one write are each processed, in order."""
    conn = env.connect()
    topic = unique()
    data = w.encode(w.SUBSCRIBE, sub_id=1, pattern=topic)
    for i in range(20):
        data += w.encode(w.PUBLISH, topic=topic, payload=b"%d" % i)
    data += w.encode(w.PING, token=77)
    conn.send(data)
    conn.expect_type(w.PONG, lambda f: f["token"] == 77)
    got = [conn.expect_type(w.MESSAGE)["payload"] for _ in range(20)]
    assert got == [b"%d" % i for i in range(20)], got


# --- §3 rule 4, §15.2: unknown types ----------------------------------------------------------

UNASSIGNED = [0x00, 0x1E, 0x1F, 0x26, 0x27, 0x2B, 0x30, 0x7F, 0x80, 0xFF]


@test("§3 rule 4 §15.2 §14", "framing")
def unknown_types_are_skipped(env):
    """Each unassigned type gets ERROR unknown_frame_type (subject connection, id = type, no CLOSE); the connection goes on."""
    conn = env.connect()
    data = b""
    for t in UNASSIGNED:
        data += _f(t, 0xFF if t & 1 else 0x00, bytes([t]) * (t % 7))
    data += w.encode(w.PING, token=1234)
    conn.send(data)
    pong = conn.expect_type(w.PONG, lambda f: f["token"] == 1234)
    errs = [f for f in conn.log if f.type == w.ERROR]
    assert [e["id"] for e in errs] == UNASSIGNED, errs
    for e in errs:
        assert e["code"] == w.ERROR_CODES["unknown_frame_type"] and e["subject"] == 0 and not e["close"], e
    assert conn.log.index(pong) == conn.log.index(errs[-1]) + 1, "PONG came before some ERRORs: %r" % conn.log
    conn.flush()


def _route_bodies():
    """A well-formed body of each route frame type (CLUSTER.md §3.4), as a route would carry it."""
    s = lambda text: struct.pack(">H", len(text)) + text.encode()
    return [
        (0x14, 0x00, struct.pack(">H", 1) + s("demo") + s("0a1b2c3d4e5f6071") + struct.pack(">I", 1048576)),
        (0x15, 0x03, s("jobs.*") + s("workers") + struct.pack(">I", 1)),
        (0x16, 0x00, b""),
        (0x17, 0x10, s("orders.eu") + struct.pack(">H", 1) + s("w") + b"hi"),
        (0x18, 0x00, struct.pack(">QI", 7, 5000) + s("pricing.quote") + b"?"),
        (0x19, 0x00, struct.pack(">QH", 7, 0) + b"ok"),
        (0x1A, 0x00, s("a.>") + struct.pack(">Q", 12)),
        (0x1F, 0x00, struct.pack(">H", 5) + s("queue full")),
    ]


@test("§4 §15.2", "framing")
def route_frames_refused_on_client_connections(env):
    """Route frames (0x14-0x1F, CLUSTER.md), even well-formed ones, get ERROR unknown_frame_type (subject connection, id = type, no CLOSE) on a client connection."""
    conn = env.connect()
    bodies = _route_bodies()
    conn.send(b"".join(_f(t, flags, body) for t, flags, body in bodies) + w.encode(w.PING, token=77))
    pong = conn.expect_type(w.PONG, lambda f: f["token"] == 77)
    errs = [f for f in conn.log if f.type == w.ERROR]
    assert [e["id"] for e in errs] == [t for t, _, _ in bodies], errs
    for e in errs:
        assert e["code"] == w.ERROR_CODES["unknown_frame_type"] and e["subject"] == 0 and not e["close"], e
    assert conn.log.index(pong) == conn.log.index(errs[-1]) + 1
    conn.flush()


@test("§15.2 vectors", "framing")
def unknown_type_vectors_on_the_wire(env):
    """The bytes of unknown-type.txt and unknown-type-empty-body.txt are answered with unknown_frame_type and skipped."""
    from .test_vectors import read_vector
    conn = env.connect()
    for name, t in (("unknown-type.txt", 0x7F), ("unknown-type-empty-body.txt", 0x1F)):
        conn.send(read_vector(name)[0])
        expect_error(conn, "unknown_frame_type", subject=0, id=t, close=False)
    conn.flush()


# --- §3 rule 5: reserved flags ----------------------------------------------------------------

def _valid_bodies():
    """A valid body for each client->server type, and the flags it may carry."""
    t = "orders.eu"
    return {
        w.PUBLISH: (w.encode(w.PUBLISH, topic=t, payload=b"x")[6:], 0x0F),
        w.SUBSCRIBE: (w.encode(w.SUBSCRIBE, sub_id=1, pattern=t)[6:], 0x07),
        w.UNSUBSCRIBE: (w.encode(w.UNSUBSCRIBE, sub_id=1)[6:], 0x00),
        w.REQUEST: (w.encode(w.REQUEST, request_id=1, timeout=100, topic=t)[6:], 0x0C),
        w.REPLY: (w.encode(w.REPLY, request_id=1, code=0)[6:], 0x0C),
        w.PING: (w.encode(w.PING, token=1)[6:], 0x00),
        w.PONG: (w.encode(w.PONG, token=1)[6:], 0x00),
        w.GOODBYE: (w.encode(w.GOODBYE, code=0, message="")[6:], 0x00),
        w.SCHEMA_REGISTER: (w.encode(w.SCHEMA_REGISTER, op=1, subject="s", definition="record A{a:int32}")[6:], 0),
        w.SCHEMA_GET: (w.encode(w.SCHEMA_GET, op=1, subject="s", version=0)[6:], 0),
        w.SCHEMA_LIST: (w.encode(w.SCHEMA_LIST, op=1, subject="")[6:], 0),
        w.SCHEMA_SET_MODE: (w.encode(w.SCHEMA_SET_MODE, op=1, subject="s", mode=0)[6:], 0),
        w.SCHEMA_BIND: (w.encode(w.SCHEMA_BIND, op=1, topic=t, subject="")[6:], 0),
        w.SCHEMA_CHECK: (w.encode(w.SCHEMA_CHECK, op=1, subject="s", definition="record A{a:int32}")[6:], 0),
    }


def _reserved_flag_test(ftype, body, flag):
    def fn(env):
        conn = env.connect()
        conn.send(_f(ftype, flag, body))
        expect_fatal(conn, "malformed_frame", timeout=5)
    return fn


for _t, (_body, _defined) in _valid_bodies().items():
    _bit = next(b for b in (0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01) if not _defined & b)
    _low = next(b for b in (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80) if not _defined & b)
    for _flag in sorted({_bit, _low}):
        register("§3 rule 5 §5", "framing", "reserved_flag_%s_0x%02x" % (w.TYPE_NAMES[_t].lower(), _flag),
                 "%s with reserved flag 0x%02x is malformed_frame with CLOSE." % (w.TYPE_NAMES[_t], _flag),
                 _reserved_flag_test(_t, _body, _flag))


@test("§3 rule 5 §5.1", "framing")
def reserved_flag_hello(env):
    """HELLO with reserved flag 0x02 (only CREDENTIALS 0x01 is defined) is malformed_frame with CLOSE."""
    conn = raw(env)
    conn.send(_f(w.HELLO, 0x02, w.encode(w.HELLO, min_version=1, max_version=1, client_name="x")[6:]))
    expect_fatal(conn, "malformed_frame", timeout=5)


# --- §3 rule 6: truncated, trailing bytes, UTF-8, header names, enumerations -------------------

MALFORMED = {
    # name: (doc, bytes sent after the handshake)
    "truncated_ack_id": ("PUBLISH with ACK whose body ends inside the ack id", _f(w.PUBLISH, 0x01, b"\x00\x00\x00")),
    "truncated_topic": ("PUBLISH whose topic claims 9 bytes but 3 follow", _f(w.PUBLISH, 0, b"\x00\x09ord")),
    "truncated_header_count": ("PUBLISH claiming 1000 headers in a short frame",
                               _f(w.PUBLISH, 0x04, b"\x00\x01t\x03\xe8\x00\x01k\x00\x01v")),
    "truncated_header_value": ("PUBLISH whose header value is cut",
                               _f(w.PUBLISH, 0x04, b"\x00\x01t\x00\x01\x00\x01k\x00\x05ab")),
    "truncated_schema_ref": ("PUBLISH with SCHEMA and only 5 bytes of schema-ref",
                             _f(w.PUBLISH, 0x08, b"\x00\x01t\x00\x00\x00\x01\x00")),
    "truncated_ping": ("PING with 4 of 8 token bytes", _f(w.PING, 0, b"\x00\x00\x00\x2a")),
    "truncated_subscribe": ("SUBSCRIBE with only 3 bytes of subscription id", _f(w.SUBSCRIBE, 0, b"\x00\x00\x01")),
    "truncated_queue_group": ("SUBSCRIBE with QUEUE_GROUP but no group", _f(w.SUBSCRIBE, 0x01, b"\x00\x00\x00\x01\x00\x01a")),
    "truncated_read_as": ("SUBSCRIBE with READ_AS but 4 bytes of schema-ref",
                          _f(w.SUBSCRIBE, 0x04, b"\x00\x00\x00\x01\x00\x01a\x00\x00\x00\x01")),
    "truncated_request": ("REQUEST whose body ends inside the timeout",
                          _f(w.REQUEST, 0, b"\x00" * 8 + b"\x00\x00")),
    "truncated_reply": ("REPLY without a code", _f(w.REPLY, 0, b"\x00" * 8)),
    "truncated_text": ("SCHEMA_REGISTER whose definition claims 1000 bytes",
                       _f(w.SCHEMA_REGISTER, 0, b"\x00" * 8 + b"\x00\x01s\x00\x00\x03\xe8record")),
    "truncated_text_claims_4gib": ("SCHEMA_CHECK whose definition claims 0xfffffff0 bytes (checked before allocating)",
                                   _f(w.SCHEMA_CHECK, 0, b"\x00" * 8 + b"\x00\x01s\xff\xff\xff\xf0record")),
    "truncated_header_count_65535": ("PUBLISH claiming 65535 headers in a 9-byte body",
                                     _f(w.PUBLISH, 0x04, b"\x00\x01t\xff\xff\x00\x00\x00\x00")),
    "truncated_goodbye": ("GOODBYE without its message", _f(w.GOODBYE, 0, b"\x00\x00")),
    "trailing_unsubscribe": ("UNSUBSCRIBE with a byte after its id", _f(w.UNSUBSCRIBE, 0, b"\x00\x00\x00\x02\x00")),
    "trailing_goodbye": ("GOODBYE with 2 bytes after its message", _f(w.GOODBYE, 0, b"\x00\x00\x00\x00\xab\xcd")),
    "trailing_ping": ("PING with a ninth byte", _f(w.PING, 0, b"\x00" * 9)),
    "trailing_pong": ("PONG with a ninth byte", _f(w.PONG, 0, b"\x00" * 9)),
    "trailing_subscribe": ("SUBSCRIBE with a byte after its pattern", _f(w.SUBSCRIBE, 0, b"\x00\x00\x00\x01\x00\x01a\x00")),
    "trailing_schema_get": ("SCHEMA_GET with a byte after its version",
                            _f(w.SCHEMA_GET, 0, b"\x00" * 8 + b"\x00\x01s\x00\x00\x00\x00\x00")),
    "trailing_schema_list": ("SCHEMA_LIST with a byte after its subject", _f(w.SCHEMA_LIST, 0, b"\x00" * 8 + b"\x00\x00\x00")),
    "trailing_schema_bind": ("SCHEMA_BIND with a byte after its subject",
                             _f(w.SCHEMA_BIND, 0, b"\x00" * 8 + b"\x00\x01t\x00\x00\x00")),
    "utf8_topic_ff": ("PUBLISH whose topic holds 0xff", _f(w.PUBLISH, 0, b"\x00\x03a\xffb")),
    "utf8_topic_overlong": ("PUBLISH whose topic holds the overlong c0 af", _f(w.PUBLISH, 0, b"\x00\x03a\xc0\xaf")),
    "utf8_header_value_surrogate": ("PUBLISH whose header value encodes U+D800",
                                    _f(w.PUBLISH, 0x04, b"\x00\x01t\x00\x01\x00\x01k\x00\x03\xed\xa0\x80")),
    "utf8_header_value_above_10ffff": ("PUBLISH whose header value encodes a code point above U+10FFFF",
                                       _f(w.PUBLISH, 0x04, b"\x00\x01t\x00\x01\x00\x01k\x00\x04\xf4\x90\x80\x80")),
    "utf8_pattern_truncated_sequence": ("SUBSCRIBE whose pattern ends inside a multi-byte sequence",
                                        _f(w.SUBSCRIBE, 0, b"\x00\x00\x00\x01\x00\x02a\xc3")),
    "utf8_reply_to": ("PUBLISH whose reply-to holds 0xfe", _f(w.PUBLISH, 0x02, b"\x00\x01t\x00\x02r\xfe")),
    "utf8_definition": ("SCHEMA_REGISTER whose definition text holds 0xff",
                        _f(w.SCHEMA_REGISTER, 0, b"\x00" * 8 + b"\x00\x01s\x00\x00\x00\x02\xff\xff")),
    "utf8_goodbye_message": ("GOODBYE whose message encodes U+DFFF",
                             _f(w.GOODBYE, 0, b"\x00\x00\x00\x03\xed\xbf\xbf")),
    "header_name_empty": ("PUBLISH with an empty header name", _f(w.PUBLISH, 0x04, b"\x00\x01t\x00\x01\x00\x00\x00\x01v")),
    "header_name_colon": ("PUBLISH with the header name a:b", _f(w.PUBLISH, 0x04, b"\x00\x01t\x00\x01\x00\x03a:b\x00\x01v")),
    "header_name_space": ("PUBLISH with the header name 'a b'",
                          _f(w.PUBLISH, 0x04, b"\x00\x01t\x00\x01\x00\x03a b\x00\x01v")),
    "header_name_del": ("PUBLISH with a header name holding 0x7f",
                        _f(w.PUBLISH, 0x04, b"\x00\x01t\x00\x01\x00\x02a\x7f\x00\x01v")),
    "header_name_non_ascii": ("PUBLISH with the header name 'é'",
                              _f(w.PUBLISH, 0x04, b"\x00\x01t\x00\x01\x00\x02\xc3\xa9\x00\x01v")),
    "header_name_256_bytes": ("PUBLISH with a 256-byte header name",
                              _f(w.PUBLISH, 0x04, b"\x00\x01t\x00\x01\x01\x00" + b"n" * 256 + b"\x00\x01v")),
    "header_name_in_request": ("REQUEST with an empty header name",
                               _f(w.REQUEST, 0x04, b"\x00" * 8 + b"\x00\x00\x03\xe8\x00\x01t\x00\x01\x00\x00\x00\x00")),
    "unknown_compatibility_mode": ("SCHEMA_SET_MODE with mode 7", _f(w.SCHEMA_SET_MODE, 0, b"\x00" * 7 + b"\x01\x00\x06orders\x07")),
    "unknown_compatibility_mode_255": ("SCHEMA_SET_MODE with mode 255",
                                       _f(w.SCHEMA_SET_MODE, 0, b"\x00" * 7 + b"\x01\x00\x06orders\xff")),
}


def _malformed_test(data):
    def fn(env):
        conn = env.connect()
        conn.send(data)
        expect_fatal(conn, "malformed_frame", timeout=5)
    return fn


for _name, (_doc, _data) in MALFORMED.items():
    register("§3 rule 6 §2 §12", "framing", "malformed_" + _name,
             "%s is malformed_frame with CLOSE and a message." % _doc, _malformed_test(_data))


@test("§3 rule 6 §2", "framing")
def malformed_hello_utf8_before_handshake(env):
    """A HELLO whose client name is overlong UTF-8 (invalid-utf8-overlong.txt) is malformed_frame with CLOSE."""
    from .test_vectors import read_vector
    conn = raw(env)
    conn.send(read_vector("invalid-utf8-overlong.txt")[0])
    expect_fatal(conn, "malformed_frame", timeout=5)


@test("§3 vectors", "framing")
def invalid_client_vectors_on_the_wire(env):
    """Each invalid vector of a client->server type, sent after the handshake, gets ERROR with the vector's protocol code and CLOSE."""
    from .test_vectors import all_vector_files, read_vector
    tried = 0
    for name in all_vector_files():
        data, err = read_vector(name)
        if err in (None, "incomplete"):
            continue
        if len(data) >= 6 and data[4] not in w.CLIENT_TO_SERVER:
            continue   # a server->client frame: the server would say unexpected_frame or malformed_frame
        if len(data) >= 6 and data[4] == w.HELLO:
            continue   # covered before the handshake
        conn = env.connect()
        conn.send(data)
        code = "frame_too_large" if err == "frame_too_large" else "malformed_frame"
        try:
            expect_fatal(conn, code, timeout=5)
        except AssertionError as e:
            raise AssertionError("%s: %s" % (name, e))
        tried += 1
    assert tried >= 10, tried


@test("§12", "framing")
def header_name_of_255_bytes_is_valid(env):
    """A header name of exactly 255 visible ASCII bytes (and every allowed character) is valid and delivered."""
    conn = env.connect()
    topic = unique()
    conn.subscribe(1, topic)
    name255 = "n" * 255
    allowed = "".join(chr(c) for c in range(0x21, 0x7F) if c != 0x3A)
    conn.publish_acked(topic, b"", headers=[(name255, "v"), (allowed, "")])
    m = conn.expect_type(w.MESSAGE)
    assert m["headers"] == [(name255, "v"), (allowed, "")], m


# --- §4: wrong direction ----------------------------------------------------------------------

SERVER_ONLY = {
    w.WELCOME: w.encode(w.WELCOME, version=1, server_id="x", max_frame=1 << 20, max_payload=1000,
                        max_header_bytes=100, max_topic=255, max_subscriptions=10, features=0, ping_interval=0),
    w.MESSAGE: w.encode(w.MESSAGE, sub_id=1, topic="t", payload=b"x"),
    w.INCOMING_REQUEST: w.encode(w.INCOMING_REQUEST, sub_id=1, request_id=1, topic="t"),
    w.ACK: w.encode(w.ACK, ack_id=1, code=0, message=""),
    w.ERROR: w.encode(w.ERROR, code=1, subject=0, id=0, message="x"),
    w.DROP_NOTICE: w.encode(w.DROP_NOTICE, sub_id=1, reason=1, count=1),
    w.LAME_DUCK: w.encode(w.LAME_DUCK, duration=1000),
    w.SERVERS: w.encode(w.SERVERS, addresses=["127.0.0.1:8376"]),
    w.SCHEMA_INFO: w.encode(w.SCHEMA_INFO, op=1, subject="s", ref=(1, 1), fingerprint=1, mode=0,
                            definition="record A{a:int32}"),
    w.SCHEMA_LIST_RESULT: w.encode(w.SCHEMA_LIST_RESULT, op=1, entries=[]),
    w.REGISTRY_RESULT: w.encode(w.REGISTRY_RESULT, op=1, code=0, message=""),
}


def _wrong_direction_test(data):
    def fn(env):
        conn = env.connect()
        conn.send(data)
        expect_fatal(conn, "unexpected_frame", timeout=5)
    return fn


for _t, _data in SERVER_ONLY.items():
    register("§4 §14", "framing", "wrong_direction_%s" % w.TYPE_NAMES[_t].lower(),
             "A client that sends %s (server -> client only) gets ERROR unexpected_frame with CLOSE." % w.TYPE_NAMES[_t],
             _wrong_direction_test(_data))


# --- README: other clients notice nothing -----------------------------------------------------

@test("§3 README-limits", "framing")
def malformed_peer_does_not_disturb_others(env):
    """One client's malformed frame closes only that client; another client's subscription keeps working."""
    a = env.connect()
    b = env.connect()
    topic = unique()
    a.subscribe(1, topic)
    b.send(b"\x00\x00\x00\x00")
    expect_fatal(b, "malformed_frame", timeout=5)
    c = env.connect()
    c.publish_acked(topic, b"still here")
    m = a.expect_type(w.MESSAGE)
    assert m["payload"] == b"still here"
    time.sleep(0)
