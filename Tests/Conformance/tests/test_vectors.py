"""Golden vectors (Protocol/vectors/): each valid vector's meaning, transcribed by hand from
its comments, is encoded with our encoder and compared byte for byte, and its bytes are decoded
and compared with the meaning.  Invalid vectors must fail with their stated error; incomplete
ones must yield nothing and no error.  Offline, except the check that the registry vectors
agree with the broker."""

import os
import re

from ternconf import schema as sch
from ternconf import wire as w
from ternconf.framework import test

from .util import unique

VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Protocol", "vectors")

ORDER_DEF = "record Order { id: string, qty: int32 }"
# The candidate that registry-result-incompatible.txt refuses, after ORDER_DEF, under BACKWARD.
ORDER_CANDIDATE = "record Order { id: int32, qty: int32, note: string }"

# file -> (type, meaning).  Meaning fields are the wire.LAYOUTS names.
VALID = {
    "ack-mailbox-full.txt": (w.ACK, dict(ack_id=5, code=0x0107, message="mailbox of orders.eu is full")),
    "ack-ok.txt": (w.ACK, dict(ack_id=1, code=0, message="")),
    "ack-permission-denied.txt": (w.ACK, dict(ack_id=4, code=0x000E,
                                             message="publish 'billing.x': not allowed for user 'orders-svc'")),
    "drop-notice-dropped-newest.txt": (w.DROP_NOTICE, dict(sub_id=2, reason=2, count=1)),
    "drop-notice-dropped-oldest.txt": (w.DROP_NOTICE, dict(sub_id=1, reason=1, count=3)),
    "drop-notice-unreadable.txt": (w.DROP_NOTICE, dict(sub_id=4, reason=3, count=2)),
    "error-authentication-failed.txt": (w.ERROR, dict(code=0x0007, subject=0, id=0, close=True,
                                                      message="authentication failed: the token is not valid")),
    "error-permission-denied-subscription.txt": (w.ERROR, dict(
        code=0x000E, subject=1, id=3, close=False, message="subscribe 'orders.>': not allowed for user 'orders-svc'")),
    "error-invalid-pattern.txt": (w.ERROR, dict(code=0x0101, subject=1, id=9, close=False,
                                                message="pattern 'a.>.b' has '>' before its last token")),
    "error-publish-mailbox-full.txt": (w.ERROR, dict(code=0x0107, subject=2, id=0, close=False,
                                                     message="mailbox of t is full")),
    "error-publish-too-many-topics.txt": (w.ERROR, dict(code=0x0108, subject=2, id=0, close=False,
                                                         message="too many topics")),
    "error-unknown-frame-type.txt": (w.ERROR, dict(code=0x0005, subject=0, id=0x7F, close=False,
                                                   message="unknown frame type 0x7f")),
    "error-unsupported-version-close.txt": (w.ERROR, dict(
        code=0x0002, subject=0, id=0x10001, close=True,
        message="no common protocol version: the client offered 2...3, the server speaks 1...1")),
    "goodbye-ok.txt": (w.GOODBYE, dict(code=0, message="")),
    "goodbye-server-shutting-down.txt": (w.GOODBYE, dict(code=0x000B, message="shutting down")),
    "hello-minimal.txt": (w.HELLO, dict(min_version=1, max_version=1, client_name="demo", user=None, secret=None)),
    "hello-with-credentials.txt": (w.HELLO, dict(min_version=1, max_version=3, client_name="svc",
                                                 user="alice", secret="s3cret")),
    "hello-with-public-key-proof.txt": (w.HELLO, dict(
        min_version=1, max_version=1, client_name="edge-7",
        user="ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        secret="eiRl3RQMDORrBw6ZXU4u25K+8l+lWzmDYdmGhgy51xBxuQ1nplGnEHgOB6ZVD3ELNOYoqUCGSAz9YBqZvgcOBQ==")),
    "incoming-request-minimal.txt": (w.INCOMING_REQUEST, dict(sub_id=3, request_id=17, topic="pricing.quote",
                                                              headers=None, schema=None, payload=b"EUR")),
    "incoming-request-with-headers-schema.txt": (w.INCOMING_REQUEST, dict(
        sub_id=3, request_id=18, topic="svc.x", headers=[("a", "1")], schema=(4, 1), payload=b"*")),
    "message-minimal.txt": (w.MESSAGE, dict(sub_id=1, topic="orders.eu", reply_to=None, headers=None,
                                            schema=None, payload=b"hi")),
    "message-with-headers.txt": (w.MESSAGE, dict(sub_id=1, topic="t", reply_to=None, headers=[("empty", "")],
                                                 schema=None, payload=b"")),
    "message-with-reply-to-headers-schema.txt": (w.MESSAGE, dict(
        sub_id=7, topic="q.ask", reply_to="inbox.7", headers=[("k", "v")], schema=(2, 3), payload=b"\x00\xff")),
    "ping.txt": (w.PING, dict(token=42)),
    "pong.txt": (w.PONG, dict(token=42)),
    "publish-all-fields.txt": (w.PUBLISH, dict(ack_id=9, topic="a.b", reply_to="r.1", headers=[("lang", "été")],
                                               schema=(1, 1), payload=b"ok")),
    "publish-empty-payload.txt": (w.PUBLISH, dict(ack_id=None, topic="a", reply_to=None, headers=None,
                                                  schema=None, payload=b"")),
    "publish-minimal.txt": (w.PUBLISH, dict(ack_id=None, topic="orders.eu", reply_to=None, headers=None,
                                            schema=None, payload=b"hi")),
    "publish-with-ack-headers-schema.txt": (w.PUBLISH, dict(
        ack_id=0x0102030405060708, topic="orders.eu", reply_to=None, headers=[("trace-id", "abc")],
        schema=(7, 1), payload=b"{}")),
    "publish-with-ack.txt": (w.PUBLISH, dict(ack_id=1, topic="orders.eu", reply_to=None, headers=None,
                                             schema=None, payload=b"hi")),
    "publish-with-headers.txt": (w.PUBLISH, dict(ack_id=None, topic="t", reply_to=None,
                                                 headers=[("tag", "a"), ("tag", "b")], schema=None, payload=b"x")),
    "publish-with-reply-to.txt": (w.PUBLISH, dict(ack_id=None, topic="q.ask", reply_to="inbox.7", headers=None,
                                                  schema=None, payload=b"?")),
    "publish-with-schema.txt": (w.PUBLISH, dict(ack_id=None, topic="t", reply_to=None, headers=None,
                                                schema=(3, 2), payload=b"\x01\x02")),
    "registry-result-incompatible.txt": (w.REGISTRY_RESULT, dict(
        op=9, code=0x0302,
        message="Order.id: type changed from string to int32, which is not a promotion "
                "(BACKWARD: new readers cannot read old messages)\n"
                "Order.note: field added without a default (BACKWARD: new readers cannot read old messages)")),
    "registry-result-ok.txt": (w.REGISTRY_RESULT, dict(op=6, code=0, message="")),
    "reply-handler-failed.txt": (w.REPLY, dict(request_id=17, code=0x0203, headers=None, schema=None,
                                               payload=b"boom")),
    "reply-no-responders.txt": (w.REPLY, dict(request_id=1, code=0x0200, headers=None, schema=None,
                                              payload=b"no responders for pricing.quote")),
    "reply-ok.txt": (w.REPLY, dict(request_id=17, code=0, headers=None, schema=None, payload=b"1.08")),
    "reply-with-headers-schema.txt": (w.REPLY, dict(request_id=2, code=0, headers=[("a", "1")], schema=(4, 2),
                                                    payload=b"+")),
    "request-minimal.txt": (w.REQUEST, dict(request_id=1, timeout=2000, topic="pricing.quote", headers=None,
                                            schema=None, payload=b"EUR")),
    "request-with-headers-schema.txt": (w.REQUEST, dict(request_id=2, timeout=500, topic="svc.x",
                                                        headers=[("a", "1")], schema=(4, 1), payload=b"*")),
    "schema-bind.txt": (w.SCHEMA_BIND, dict(op=7, topic="orders.eu", subject="orders")),
    "schema-check.txt": (w.SCHEMA_CHECK, dict(op=9, subject="orders", definition=ORDER_DEF)),
    "schema-get-latest.txt": (w.SCHEMA_GET, dict(op=2, subject="orders", version=0)),
    "schema-get-version.txt": (w.SCHEMA_GET, dict(op=3, subject="orders", version=2)),
    "schema-info.txt": (w.SCHEMA_INFO, dict(op=1, subject="orders", ref=(5, 2), fingerprint=0x08B3A36F1A5F319D,
                                            mode=1, definition=ORDER_DEF)),
    "schema-list-all.txt": (w.SCHEMA_LIST, dict(op=4, subject="")),
    "schema-list-one.txt": (w.SCHEMA_LIST, dict(op=5, subject="orders")),
    "schema-list-result-empty.txt": (w.SCHEMA_LIST_RESULT, dict(op=5, entries=[])),
    "schema-list-result.txt": (w.SCHEMA_LIST_RESULT, dict(op=4, entries=[
        dict(subject="orders", subject_id=5, mode=1, versions=[1, 2]),
        dict(subject="users", subject_id=6, mode=0, versions=[1])])),
    "schema-register.txt": (w.SCHEMA_REGISTER, dict(op=1, subject="orders", definition=ORDER_DEF)),
    "schema-set-mode.txt": (w.SCHEMA_SET_MODE, dict(op=6, subject="orders", mode=6)),
    "schema-unbind.txt": (w.SCHEMA_BIND, dict(op=8, topic="orders.eu", subject="")),
    "subscribe-all-flags.txt": (w.SUBSCRIBE, dict(sub_id=0xFFFFFFFF, pattern="*.b", queue_group="g", responder=True,
                                                  read_as=(1, 9))),
    "subscribe-minimal.txt": (w.SUBSCRIBE, dict(sub_id=1, pattern="orders.>", queue_group=None, responder=False,
                                                read_as=None)),
    "subscribe-queue-group.txt": (w.SUBSCRIBE, dict(sub_id=2, pattern="jobs.*", queue_group="workers",
                                                    responder=False, read_as=None)),
    "subscribe-read-as.txt": (w.SUBSCRIBE, dict(sub_id=4, pattern="orders.eu", queue_group=None, responder=False,
                                                read_as=(5, 2))),
    "subscribe-responder.txt": (w.SUBSCRIBE, dict(sub_id=3, pattern="pricing.quote", queue_group=None,
                                                  responder=True, read_as=None)),
    "unsubscribe.txt": (w.UNSUBSCRIBE, dict(sub_id=2)),
    "welcome-defaults.txt": (w.WELCOME, dict(version=1, server_id="ternd-1", max_frame=1048576,
                                             max_payload=1044480, max_header_bytes=16384, max_topic=255,
                                             max_subscriptions=10000, features=0xF, ping_interval=30000)),
    "welcome-lame-duck.txt": (w.WELCOME, dict(version=1, server_id="ternd-1", max_frame=1048576,
                                              max_payload=1044480, max_header_bytes=16384, max_topic=255,
                                              max_subscriptions=10000, features=0x1F, ping_interval=30000)),
    "lame-duck.txt": (w.LAME_DUCK, dict(duration=30000)),
    "servers.txt": (w.SERVERS, dict(addresses=["127.0.0.1:8376", "[::1]:8378"])),
    "servers-empty.txt": (w.SERVERS, dict(addresses=[])),
    "welcome-authentication.txt": (w.WELCOME, dict(version=1, server_id="ternd-1", max_frame=1048576,
                                                   max_payload=1044480, max_header_bytes=16384, max_topic=255,
                                                   max_subscriptions=10000, features=0x2F, ping_interval=30000)),
    "welcome-no-ping-no-features.txt": (w.WELCOME, dict(version=1, server_id="", max_frame=4096, max_payload=2048,
                                                        max_header_bytes=512, max_topic=64, max_subscriptions=16,
                                                        features=0, ping_interval=0)),
}

# Unknown frame types: (type, flags, body) kept so the frame can be skipped (section 15.2).
UNKNOWN = {
    "unknown-type.txt": (0x7F, 0x03, bytes.fromhex("deadbeef")),
    "unknown-type-empty-body.txt": (0x1F, 0x00, b""),
}


def read_vector(name):
    data = bytearray()
    error = None
    with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("hex:"):
                data += bytes.fromhex(line[4:].replace(" ", ""))
            elif line.startswith("error:"):
                error = line[6:].strip()
    return bytes(data), error


def all_vector_files():
    return sorted(n for n in os.listdir(VECTORS) if n.endswith(".txt"))


def _normalize(ftype, meaning):
    m = dict(meaning)
    if ftype in w.FLAG_BOOLS:
        for name, _ in w.FLAG_BOOLS[ftype]:
            m.setdefault(name, False)
    for name, _kind, flag in w.LAYOUTS[ftype]:
        m.setdefault(name, None)
    return m


@test("vectors/README", "vectors")
def every_vector_is_covered(env):
    """Every vector file is either in the valid table, the unknown-type table, or carries an error: line."""
    missing = []
    for name in all_vector_files():
        _data, err = read_vector(name)
        if name not in VALID and name not in UNKNOWN and err is None:
            missing.append(name)
        if err is not None and name in VALID:
            missing.append(name + " (has error: but is in the valid table)")
    assert not missing, "vectors without a transcribed meaning: %s" % missing
    types = {VALID[n][0] for n in VALID}
    assert types == set(w.TYPE_NAMES), "frame types without a vector: %s" % sorted(
        w.TYPE_NAMES[t] for t in set(w.TYPE_NAMES) - types)


@test("§5 vectors", "vectors")
def valid_vectors_encode_to_their_bytes(env):
    """Each valid vector's meaning, encoded with our encoder, gives exactly the vector's bytes."""
    bad = []
    for name, (ftype, meaning) in sorted(VALID.items()):
        data, _ = read_vector(name)
        enc = w.encode(ftype, **{k: v for k, v in meaning.items()})
        if enc != data:
            bad.append("%s: encoded %s, vector %s" % (name, enc.hex(), data.hex()))
    assert not bad, "; ".join(bad)


@test("§5 vectors", "vectors")
def valid_vectors_decode_to_their_meaning(env):
    """Each valid vector's bytes decode to exactly one frame with the vector's meaning."""
    bad = []
    for name, (ftype, meaning) in sorted(VALID.items()):
        data, _ = read_vector(name)
        try:
            fr = w.decode_one(data)
        except Exception as e:  # noqa: BLE001
            bad.append("%s: %s" % (name, e))
            continue
        if fr is None or fr.type != ftype or fr.f != _normalize(ftype, meaning):
            bad.append("%s: decoded %r" % (name, fr))
    assert not bad, "; ".join(bad)


@test("§3 rule 1 vectors", "vectors")
def length_prefix_is_two_plus_body(env):
    """Every valid vector's length prefix equals the bytes that follow it (2 + body)."""
    for name in all_vector_files():
        data, err = read_vector(name)
        if err is None:
            assert int.from_bytes(data[:4], "big") == len(data) - 4, name


@test("§15.2 vectors", "vectors")
def unknown_type_vectors_are_skippable(env):
    """unknown-type*.txt decode as an unknown type whose flags and body are kept, and the stream continues."""
    ping, _ = read_vector("ping.txt")
    for name, (ftype, flags, body) in UNKNOWN.items():
        data, _ = read_vector(name)
        r = w.FrameReader()
        r.feed(data + ping)
        fr = r.next()
        assert fr is not None and fr.f is None, name
        assert (fr.type, fr.flags, fr.body) == (ftype, flags, body), (name, fr)
        assert fr.type not in w.TYPE_NAMES
        nxt = r.next()
        assert nxt is not None and nxt.type == w.PING and nxt["token"] == 42, name


@test("§3 vectors", "vectors")
def invalid_vectors_fail_with_their_error(env):
    """Each invalid-*.txt fails with its stated error (and the protocol code of vectors/README)."""
    bad = []
    for name in all_vector_files():
        data, err = read_vector(name)
        if err is None or err == "incomplete":
            continue
        try:
            fr = w.decode_one(data)
            bad.append("%s: decoded %r, expected %s" % (name, fr, err))
        except w.DecodeError as e:
            if e.kind != err:
                bad.append("%s: failed with %s, expected %s" % (name, e.kind, err))
    assert not bad, "; ".join(bad)


@test("§3 rule 1 vectors", "vectors")
def too_large_fails_on_four_bytes(env):
    """frame_too_large vectors fail as soon as the four length bytes arrive, before anything else."""
    for name in ("invalid-frame-too-large.txt", "invalid-length-4gib.txt"):
        data, err = read_vector(name)
        assert len(data) == 4 and err == "frame_too_large"
        r = w.FrameReader()
        r.feed(data[:3])
        assert r.next_raw() is None
        r.feed(data[3:])
        try:
            r.next_raw()
            raise AssertionError("%s: no error after 4 bytes" % name)
        except w.DecodeError as e:
            assert e.kind == "frame_too_large"


@test("§3 vectors", "vectors")
def incomplete_vector_waits(env):
    """incomplete-*.txt yields no frame and no error; appending the rest completes publish-minimal."""
    for name in all_vector_files():
        data, err = read_vector(name)
        if err != "incomplete":
            continue
        r = w.FrameReader()
        r.feed(data)
        assert r.next() is None, name
        full, _ = read_vector("publish-minimal.txt")
        assert full.startswith(data), name
        r.feed(full[len(data):])
        fr = r.next()
        assert fr is not None and fr.type == w.PUBLISH and fr["payload"] == b"hi", name


@test("§16", "vectors")
def worked_example_bytes(env):
    """The hex of the worked example (section 16) equals the vectors it names and our encoding."""
    text = open(os.path.join(VECTORS, "..", "PROTOCOL.md"), encoding="utf-8").read()
    sec = text[text.index("## 16. Worked example"):]
    blocks = re.findall(r"\*\*(?:Client|Server) → (?:server|client): (\w+)\*\*.*?\(`([\w.-]+)`\)\.\s*```\n(.*?)```",
                        sec, re.S)
    assert len(blocks) == 6, "expected 6 frames in the worked example, found %d" % len(blocks)
    for kind, vec, body in blocks:
        # each line is "hex bytes   comment"; keep only hex pairs before the comment
        got = bytearray()
        for line in body.splitlines():
            for tok in line.split():
                if re.fullmatch(r"[0-9a-f]{2}", tok):
                    got.append(int(tok, 16))
                else:
                    break
        data, _ = read_vector(vec)
        assert bytes(got) == data, "%s (%s): example %s != vector %s" % (kind, vec, bytes(got).hex(), data.hex())
        ftype, meaning = VALID[vec]
        assert w.encode(ftype, **meaning) == data
    goodbye = bytes.fromhex("00000006 0f00 0000 0000".replace(" ", ""))
    assert goodbye == w.encode(w.GOODBYE, code=0, message="") == read_vector("goodbye-ok.txt")[0]


@test("§5.15 §10.1 SCHEMAS §2 §3 §7 vectors", "vectors")
def registry_vectors_agree_with_schemas_and_broker(env):
    """The registry vectors are valid SCHEMAS.md text; schema-info's fingerprint is that of its definition; the broker gives the same fingerprint and, for the candidate, exactly the incompatible_schema message of registry-result-incompatible."""
    definition = VALID["schema-register.txt"][1]["definition"]
    sch.parse(definition)
    info = VALID["schema-info.txt"][1]
    assert info["definition"] == definition and VALID["schema-check.txt"][1]["definition"] == definition
    assert info["fingerprint"] == sch.fingerprint(definition), hex(sch.fingerprint(definition))
    conn = env.connect()
    subject = unique("orders")
    got = conn.registry(w.SCHEMA_REGISTER, subject=subject, definition=definition)
    assert got.type == w.SCHEMA_INFO and got["fingerprint"] == info["fingerprint"], got
    assert got["mode"] == w.MODE_BY_NAME["BACKWARD"], "a new subject starts in BACKWARD: %r" % got
    refused = conn.registry(w.SCHEMA_CHECK, subject=subject, definition=ORDER_CANDIDATE)
    expected = VALID["registry-result-incompatible.txt"][1]
    assert refused.type == w.REGISTRY_RESULT and refused["code"] == expected["code"], refused
    assert refused["message"] == expected["message"], refused["message"]
