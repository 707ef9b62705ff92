"""Transport and connection lifecycle: TLS and ALPN (§1), handshake and version negotiation
(§6.1), WELCOME (§5.2, §13), PING / PONG and flushing (§5.11, §6.2), GOODBYE and shutdown
(§5.14, §6.3)."""

import re
import socket
import ssl
import time

from ternconf import client as c
from ternconf import wire as w
from ternconf.broker import HOST
from ternconf.framework import Skip, test

from .util import expect_error, expect_fatal, expect_no, raw, register, unique, wait_until

# --- §1 transport -----------------------------------------------------------------------------


@test("§1", "tls")
def alpn_tern1_is_selected(env):
    """Over TLS, a client offering ALPN tern/1 gets tern/1 selected and a WELCOME."""
    conn = env.connect()
    assert conn.sock.selected_alpn_protocol() == "tern/1", conn.sock.selected_alpn_protocol()
    assert conn.welcome["version"] == 1


@test("§1", "tls")
def alpn_tern1_among_others(env):
    """A client offering h2, tern/1 and http/1.1 gets tern/1 selected."""
    br = env.broker("main")
    conn = env.connect(tls_ctx=br.tls_ctx(alpn=("h2", "tern/1", "http/1.1")))
    assert conn.sock.selected_alpn_protocol() == "tern/1"


@test("§1", "tls")
def alpn_without_tern1_fails_handshake(env):
    """A client whose ALPN list lacks tern/1 fails the TLS handshake (alert no_application_protocol)."""
    br = env.broker("main")
    ctx = br.tls_ctx(alpn=("h2", "http/1.1"))
    try:
        s = c.open_socket(HOST, br.port, ctx, timeout=10)
    except ssl.SSLError as e:
        assert "NO_APPLICATION_PROTOCOL" in str(e).upper() or "no application protocol" in str(e).lower(), \
            "handshake failed, but not with no_application_protocol: %s" % e
        return
    except OSError as e:
        raise AssertionError("handshake failed without a TLS alert: %s" % e)
    proto = s.selected_alpn_protocol()
    s.close()
    raise AssertionError("TLS handshake succeeded with ALPN %r" % proto)


@test("§1", "tls")
def no_alpn_is_served(env):
    """A client that offers no ALPN at all completes the handshake, gets no protocol selected, and is served."""
    br = env.broker("main")
    conn = env.connect(tls_ctx=br.tls_ctx(alpn=None))
    assert conn.sock.selected_alpn_protocol() is None, conn.sock.selected_alpn_protocol()
    assert conn.welcome["version"] == 1
    conn.flush()


@test("§1", "tls")
def tls12_is_supported(env):
    """Servers MUST support TLS 1.2 or later: a TLS 1.2-only client completes the handshake and gets WELCOME."""
    br = env.broker("main")
    conn = env.connect(tls_ctx=br.tls_ctx(max_version=ssl.TLSVersion.TLSv1_2))
    assert conn.sock.version() == "TLSv1.2", conn.sock.version()
    assert conn.sock.selected_alpn_protocol() == "tern/1"
    conn.flush()


@test("§1", "tls")
def tls13_is_preferred(env):
    """Servers SHOULD prefer TLS 1.3: a client offering 1.2 and 1.3 gets TLS 1.3."""
    conn = env.connect()
    assert conn.sock.version() == "TLSv1.3", conn.sock.version()


@test("§1", "tls")
def tls_below_12_is_refused(env):
    """TLS 1.2 or later: a client limited to TLS 1.1 does not get a connection (if the local TLS library allows 1.1 at all)."""
    br = env.broker("main")
    try:
        ctx = br.tls_ctx(max_version=ssl.TLSVersion.TLSv1_1, min_version=ssl.TLSVersion.TLSv1)
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError) as e:
        raise Skip("local TLS library cannot offer TLS 1.1: %s" % e)
    try:
        s = c.open_socket(HOST, br.port, ctx, timeout=10)
    except (ssl.SSLError, OSError):
        return
    v = s.version()
    s.close()
    raise AssertionError("handshake succeeded with %s" % v)


@test("§1", "tls")
def server_certificate_verifies_with_its_ca(env):
    """The certificate chain verifies against <data-dir>/tls/ca.pem for localhost and 127.0.0.1."""
    br = env.broker("main")
    for name in ("localhost", "127.0.0.1"):
        ctx = br.tls_ctx()
        s = c.open_socket(HOST, br.port, ctx, server_hostname=name, timeout=10)
        s.close()


@test("§1", "tls")
def plaintext_listener_speaks_frames(env):
    """ternd --no-tls accepts the same frames directly over TCP: handshake, publish with ACK, delivery."""
    conn = env.connect("plain")
    assert not isinstance(conn.sock, c.TLSStream)
    topic = unique()
    conn.subscribe(1, topic)
    ack = conn.publish_acked(topic, b"clear")
    assert ack["code"] == 0
    assert conn.expect_type(w.MESSAGE)["payload"] == b"clear"


@test("§1 §6.1", "tls")
def plaintext_hello_to_tls_port_is_not_welcomed(env):
    """A plaintext HELLO sent to a TLS listener gets no WELCOME; the connection is closed."""
    br = env.broker("timers")
    s = socket.create_connection((HOST, br.port), 5)
    s.sendall(w.encode(w.HELLO, min_version=1, max_version=1, client_name="plain"))
    s.settimeout(8)
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, OSError):
        pass
    s.close()
    assert b"\x02\x00\x00\x01" not in data, "got something like a WELCOME in plaintext: %r" % data[:60]


# --- §6.1 handshake -------------------------------------------------------------------------

def _server_range(env):
    conn = raw(env)
    fr = conn.hello(min_version=60000, max_version=60001)
    assert fr.type == w.ERROR and fr["code"] == w.ERROR_CODES["unsupported_version"], fr
    return fr["id"] >> 16 & 0xFFFF, fr["id"] & 0xFFFF


@test("§6.1 §5.2", "handshake")
def hello_1_1_gets_version_1(env):
    """HELLO 1..1 gets WELCOME version 1, as the first frame from the server."""
    conn = raw(env)
    fr = conn.hello(1, 1)
    assert fr.type == w.WELCOME and fr["version"] == 1, fr
    assert conn.log[0] is fr


@test("§6.1", "handshake")
def highest_common_version_is_picked(env):
    """HELLO 0..(server max + 5) gets WELCOME with the server's highest version; HELLO 0..1 gets 1."""
    smin, smax = _server_range(env)
    assert smin <= 1 <= smax, (smin, smax)
    conn = raw(env)
    fr = conn.hello(0, smax + 5)
    assert fr.type == w.WELCOME and fr["version"] == smax, fr
    conn2 = raw(env)
    fr = conn2.hello(0, 1)
    assert fr.type == w.WELCOME and fr["version"] == 1, fr


def _unsupported_test(cmin, cmax):
    def fn(env):
        conn = raw(env)
        conn.send_frame(w.HELLO, min_version=cmin, max_version=cmax, client_name="x")
        fr = expect_fatal(conn, "unsupported_version", timeout=5)
        assert fr["subject"] == w.SUBJECT_CONNECTION
        smin, smax = fr["id"] >> 16 & 0xFFFF, fr["id"] & 0xFFFF
        assert fr["id"] >> 32 == 0, "id has bits above the range: 0x%x" % fr["id"]
        assert smin <= 1 <= smax, "server range %d...%d does not include 1 though it welcomed 1" % (smin, smax)
        msg = fr["message"]
        for lo, hi in ((cmin, cmax), (smin, smax)):
            assert re.search(r"\b%d\b\D{1,5}\b%d\b" % (lo, hi), msg), \
                "message %r does not name the range %d...%d" % (msg, lo, hi)
    return fn


for _lo, _hi, _why in ((2, 3, "above the server's"), (2, 1, "min > max"), (0, 0, "version 0 only"),
                       (1, 0, "min > max including 1")):
    register("§6.1 §5.12 §14", "handshake", "unsupported_version_%d_%d" % (_lo, _hi),
             "HELLO %d..%d (%s) gets ERROR unsupported_version, subject connection, CLOSE, id = min<<16|max, a message naming both ranges."
             % (_lo, _hi, _why), _unsupported_test(_lo, _hi))


@test("§5.1 §6.1", "handshake")
def credentials_are_ignored_without_auth(env):
    """A server without authentication ignores credentials: HELLO with CREDENTIALS gets WELCOME."""
    from .test_vectors import read_vector
    conn = raw(env)
    conn.send(read_vector("hello-with-credentials.txt")[0])   # versions 1..3, alice / s3cret
    fr = conn.expect(lambda f: True, 5, "WELCOME")
    assert fr.type == w.WELCOME and fr["version"] == 1, fr


@test("§5.1", "handshake")
def empty_client_name_is_allowed(env):
    """The client name may be empty."""
    conn = raw(env)
    fr = conn.hello(name="")
    assert fr.type == w.WELCOME, fr


@test("§6.1", "handshake")
def frames_right_after_hello_are_processed_in_order(env):
    """Frames a client sends with HELLO, before WELCOME arrives, are processed in order after it: WELCOME first, then the MESSAGE of a SUBSCRIBE and PUBLISH sent in the same write, and the PONG."""
    conn = raw(env)
    topic = unique()
    conn.send(w.encode(w.HELLO, min_version=1, max_version=1, client_name="eager")
              + w.encode(w.SUBSCRIBE, sub_id=1, pattern=topic)
              + w.encode(w.PUBLISH, topic=topic, payload=b"early")
              + w.encode(w.PING, token=77))
    first = conn.expect(lambda f: True, 5, "WELCOME")
    assert first.type == w.WELCOME, first
    m = conn.expect_type(w.MESSAGE)
    assert m["payload"] == b"early", m
    pong = conn.expect_type(w.PONG)
    assert pong["token"] == 77, pong


@test("§5.1 vectors", "handshake")
def hello_minimal_vector_is_welcomed(env):
    """The bytes of hello-minimal.txt get WELCOME version 1."""
    from .test_vectors import read_vector
    conn = raw(env)
    conn.send(read_vector("hello-minimal.txt")[0])
    fr = conn.expect(lambda f: True, 5, "WELCOME")
    assert fr.type == w.WELCOME and fr["version"] == 1, fr


def _first_frame_test(data):
    def fn(env):
        conn = raw(env)
        conn.send(data)
        expect_fatal(conn, "unexpected_frame", timeout=5)
    return fn


for _name, _data in (("ping", w.encode(w.PING, token=1)),
                     ("pong", w.encode(w.PONG, token=1)),
                     ("publish", w.encode(w.PUBLISH, topic="a", payload=b"x")),
                     ("subscribe", w.encode(w.SUBSCRIBE, sub_id=1, pattern="a")),
                     ("schema_list", w.encode(w.SCHEMA_LIST, op=1, subject="")),
                     ("goodbye", w.encode(w.GOODBYE, code=0, message="")),
                     ("unknown_type", bytes.fromhex("00000006 7f00 deadbeef".replace(" ", ""))),
                     ("welcome", w.encode(w.WELCOME, version=1, server_id="", max_frame=4096, max_payload=1,
                                          max_header_bytes=1, max_topic=1, max_subscriptions=1, features=0,
                                          ping_interval=0))):
    register("§6.1 §4", "handshake", "first_frame_%s_is_unexpected" % _name,
             "A connection whose first frame is %s, not HELLO, gets ERROR unexpected_frame with CLOSE." % _name.upper(),
             _first_frame_test(_data))


@test("§6.1", "handshake")
def second_hello_is_unexpected(env):
    """A second HELLO gets ERROR unexpected_frame with CLOSE."""
    conn = env.connect()
    conn.send_frame(w.HELLO, min_version=1, max_version=1, client_name="again")
    expect_fatal(conn, "unexpected_frame", timeout=5)


@test("§6.1 §14", "handshake")
def handshake_timeout(env):
    """A TLS connection that sends no HELLO within the handshake timeout (1s) gets ERROR handshake_timeout with CLOSE."""
    conn = raw(env, "timers")
    t0 = time.monotonic()
    expect_fatal(conn, "handshake_timeout", timeout=10)
    took = time.monotonic() - t0
    assert took >= 0.8, "closed after %.2fs, before the 1s handshake timeout" % took


@test("§6.1 README-limits", "handshake")
def handshake_timeout_without_tls(env):
    """A TCP connection to the TLS port that never starts TLS is closed after the handshake timeout."""
    br = env.broker("timers")
    s = socket.create_connection((HOST, br.port), 5)
    s.settimeout(10)
    t0 = time.monotonic()
    try:
        data = s.recv(100)
    except (ConnectionResetError, socket.timeout) as e:
        data = e
    took = time.monotonic() - t0
    s.close()
    assert data == b"" or isinstance(data, ConnectionResetError), "not closed: %r" % (data,)
    assert took < 9, took


@test("§6.1 §14", "handshake")
def too_many_connections(env):
    """At the connection limit (--max-connections 1) a new connection gets ERROR too_many_connections with CLOSE."""
    br = env.broker("maxconn")
    first = []

    def first_ok():
        # The broker's start-up probe (a bare TCP connect) holds the one slot until it is closed.
        try:
            first.append(env.connect(br))
            return True
        except (AssertionError, OSError, ssl.SSLError):
            return False
    wait_until(first_ok, 10, "a first connection to be accepted", step=0.2)
    first = first[0]
    try:
        second = env.track(c.Conn(HOST, br.port, br.tls_ctx(), label="second"))
    except (OSError, ssl.SSLError) as e:
        raise AssertionError("the server dropped the connection during the TLS handshake (%s) instead of "
                             "answering HELLO with ERROR too_many_connections" % e)
    second.try_send(w.encode(w.HELLO, min_version=1, max_version=1, client_name="second"))
    expect_fatal(second, "too_many_connections", timeout=10)
    first.goodbye()
    first.wait_closed(10)

    def third_ok():
        conn = c.Conn(HOST, br.port, br.tls_ctx(), label="third")
        fr = conn.hello()
        ok = fr.type == w.WELCOME
        conn.goodbye()
        conn.close()
        return ok
    wait_until(third_ok, 10, "a connection to be accepted after the first left", step=0.2)


# --- §5.2 / §13 WELCOME ----------------------------------------------------------------------

@test("§5.2 §13", "welcome")
def default_limits(env):
    """Without limit flags WELCOME announces the default limits: 1048576, 1044480, 16384, 255, 10000, ping 30000 ms."""
    wel = env.connect().welcome
    got = (wel["max_frame"], wel["max_payload"], wel["max_header_bytes"], wel["max_topic"],
           wel["max_subscriptions"], wel["ping_interval"])
    assert got == (1048576, 1044480, 16384, 255, 10000, 30000), wel


@test("§5.2", "welcome")
def reserved_feature_bits_are_zero(env):
    """A version 1 server sends feature bits 5 and 7-31 as 0."""
    wel = env.connect().welcome
    assert wel["features"] & ~0x5F == 0, hex(wel["features"])


@test("§5.2", "welcome")
def features_announced(env):
    """ternd announces ACKNOWLEDGEMENTS, QUEUE_GROUPS, REQUEST_REPLY and SCHEMAS (the suite relies on all four)."""
    wel = env.connect().welcome
    assert wel["features"] & 0xF == 0xF, hex(wel["features"])


@test("§5.2 §13", "welcome")
def configured_limits_are_announced(env):
    """WELCOME announces configured limits: 8192, 2048, 512, 64, 16 and ping interval 0."""
    wel = env.connect("limits").welcome
    got = (wel["max_frame"], wel["max_payload"], wel["max_header_bytes"], wel["max_topic"],
           wel["max_subscriptions"], wel["ping_interval"])
    assert got == (8192, 2048, 512, 64, 16, 0), wel


@test("§5.2 §6.2", "welcome")
def configured_ping_interval_is_announced(env):
    """With --ping-interval 1s, WELCOME announces 1000 ms."""
    wel = env.connect("timers").welcome
    assert wel["ping_interval"] == 1000, wel


# --- §5.11 / §6.2 PING, PONG, flush ------------------------------------------------------------

@test("§5.11 §6.2", "ping")
def pong_echoes_token(env):
    """PING gets PONG with the same token (0, 42, 2^64-1)."""
    conn = env.connect()
    for tok in (0, 42, 0xFFFFFFFFFFFFFFFF):
        conn.send_frame(w.PING, token=tok)
        conn.expect_type(w.PONG, lambda f: f["token"] == tok, 5, "PONG %d" % tok)


@test("§6.2", "ping")
def pongs_in_order(env):
    """Pipelined PINGs are answered in order."""
    conn = env.connect()
    toks = [1000 + i for i in range(50)]
    conn.send(b"".join(w.encode(w.PING, token=t) for t in toks))
    got = [conn.expect_type(w.PONG, timeout=5)["token"] for _ in toks]
    assert got == toks, got


@test("§6.2", "ping")
def pong_after_subscribe_error(env):
    """SUBSCRIBE (invalid) then PING: the ERROR arrives before the PONG."""
    conn = env.connect()
    conn.send(w.encode(w.SUBSCRIBE, sub_id=3, pattern="a.>.b") + w.encode(w.PING, token=5))
    pong = conn.expect_type(w.PONG, lambda f: f["token"] == 5)
    err = [f for f in conn.log if f.type == w.ERROR]
    assert err and conn.log.index(err[0]) < conn.log.index(pong), conn.log


@test("§6.2", "ping")
def pong_after_subscribe_means_active(env):
    """SUBSCRIBE then PING: once the PONG arrives the subscription receives what another client publishes next."""
    for _ in range(5):
        a = env.connect()
        b = env.connect()
        topic = unique()
        a.send(w.encode(w.SUBSCRIBE, sub_id=1, pattern=topic) + w.encode(w.PING, token=9))
        a.expect_type(w.PONG, lambda f: f["token"] == 9)
        b.publish(topic, b"now")
        m = a.expect_type(w.MESSAGE, timeout=5)
        assert m["payload"] == b"now"


@test("§6.2 §6.3", "ping")
def pong_after_acks(env):
    """PUBLISHes with ACK then PING: every ACK arrives before the PONG (a PONG proves earlier frames were processed)."""
    conn = env.connect()
    topic = unique()
    data = b"".join(w.encode(w.PUBLISH, ack_id=i, topic=topic, payload=b"x") for i in range(1, 51))
    conn.send(data + w.encode(w.PING, token=4242))
    pong = conn.expect_type(w.PONG, lambda f: f["token"] == 4242)
    idx = conn.log.index(pong)
    acks = [f["ack_id"] for f in conn.log[:idx] if f.type == w.ACK]
    assert sorted(acks) == list(range(1, 51)), "ACKs before PONG: %d of 50" % len(acks)


@test("§6.2", "ping")
def unmatched_pong_is_ignored(env):
    """A PONG that matches no PING is ignored: no ERROR, the connection goes on."""
    conn = env.connect()
    conn.send_frame(w.PONG, token=0xDEAD)
    expect_no(conn, lambda f: f.type == w.ERROR, what="ERROR")


@test("§6.2", "ping")
def client_may_ping_right_after_welcome(env):
    """Either side may send PING at any time after the handshake: a PING right after WELCOME gets its PONG."""
    conn = env.connect()
    conn.send_frame(w.PING, token=1)
    conn.expect_type(w.PONG, lambda f: f["token"] == 1, 5)


@test("§6.2", "ping")
def server_pings_idle_connection(env):
    """With a 1s ping interval the server PINGs a quiet connection; answered PINGs keep it open."""
    conn = env.connect("timers")
    wait_until(lambda: len(conn.server_pings) >= 2, 10, "two server PINGs")
    assert not conn.is_closed()
    conn.flush()


@test("§6.2 §14", "ping")
def unanswered_pings_close(env):
    """Two unanswered PINGs in a row get ERROR ping_timeout with CLOSE."""
    conn = env.connect("timers", auto_pong=False)
    t0 = time.monotonic()
    fr = conn.expect_type(w.ERROR, timeout=15)
    took = time.monotonic() - t0
    assert fr["code"] == w.ERROR_CODES["ping_timeout"] and fr["close"], fr
    assert len(conn.server_pings) >= 2, "ping_timeout after %d PINGs" % len(conn.server_pings)
    assert took >= 1.5, "ping_timeout after %.2fs" % took
    conn.wait_closed(5)
    assert not conn.after_close


@test("§6.2", "ping")
def no_ping_while_client_is_active(env):
    """The server PINGs only after a full interval without receiving anything: a client sending every 0.2s gets no PING."""
    conn = env.connect("timers", auto_pong=False)
    end = time.monotonic() + 2.5
    while time.monotonic() < end:
        conn.flush()
        time.sleep(0.2)
    assert not conn.server_pings, "server PINGed an active connection %d times" % len(conn.server_pings)


@test("§5.2 §6.2", "ping")
def ping_interval_zero_means_no_pings(env):
    """WELCOME ping interval 0: the server does not ping (idle 2.5s, no PING)."""
    conn = env.connect("limits", auto_pong=False)
    assert conn.welcome["ping_interval"] == 0
    time.sleep(2.5)
    assert not conn.server_pings and not conn.is_closed()


# --- §6.3 GOODBYE -----------------------------------------------------------------------------

@test("§6.3 §5.14", "goodbye")
def client_goodbye_closes(env):
    """After a client's GOODBYE (code 0) the server closes the connection without answering: no ERROR, no GOODBYE."""
    conn = env.connect()
    conn.goodbye(close=False)
    conn.wait_closed(10)
    answers = [f for f in conn.log if f.type in (w.ERROR, w.GOODBYE)]
    assert not answers, answers


@test("§6.3", "goodbye")
def frames_before_goodbye_are_processed(env):
    """The server processes the frames received before GOODBYE: publishes sent just before it are delivered."""
    sub = env.connect()
    topic = unique()
    sub.subscribe(1, topic)
    pub = env.connect()
    pub.send(b"".join(w.encode(w.PUBLISH, topic=topic, payload=b"%d" % i) for i in range(10))
             + w.encode(w.GOODBYE, code=0, message="bye"))
    got = [sub.expect_type(w.MESSAGE)["payload"] for _ in range(10)]
    assert got == [b"%d" % i for i in range(10)]
    pub.wait_closed(10)


@test("§6.3 §4", "goodbye")
def frame_after_goodbye_is_not_processed(env):
    """A frame after the client's GOODBYE is unexpected_frame: it is not answered (no PONG); any ERROR is unexpected_frame with CLOSE."""
    conn = env.connect()
    conn.send(w.encode(w.GOODBYE, code=0, message="") + w.encode(w.PING, token=31337))
    conn.wait_closed(10)
    assert not [f for f in conn.log if f.type == w.PONG], conn.log
    for f in conn.log:
        if f.type == w.ERROR:
            assert f["code"] == w.ERROR_CODES["unexpected_frame"] and f["close"], f


@test("§6.3 §5.14 §14", "goodbye")
def server_shutdown_says_goodbye(env):
    """On SIGTERM the server writes the messages already queued, then GOODBYE server_shutting_down, closes, and exits 0."""
    br = env.fresh_broker("shutdown")
    sub = br.connect(label="sub")
    env.track(sub)
    topic = unique()
    sub.subscribe(1, topic)
    pub = br.connect(label="pub")
    env.track(pub)
    for i in range(200):
        pub.publish(topic, b"m%d" % i)
    pub.flush()
    br.proc.send_signal(__import__("signal").SIGTERM)
    bye = sub.expect_type(w.GOODBYE, timeout=15)
    assert bye["code"] == w.ERROR_CODES["server_shutting_down"], bye
    got = [f["payload"] for f in sub.log if f.type == w.MESSAGE]
    assert got == [b"m%d" % i for i in range(200)], "messages before GOODBYE: %d of 200" % len(got)
    assert sub.log.index(bye) == len(sub.log) - 1 or all(f.type != w.MESSAGE for f in sub.log[sub.log.index(bye) + 1:])
    sub.wait_closed(10)
    code = br.proc.wait(15)
    assert code == 0, "ternd exited %s" % code


@test("§6.3", "goodbye")
def server_goodbye_has_nothing_after(env):
    """The sender of GOODBYE sends nothing after it: after the server's GOODBYE only the close follows."""
    br = env.fresh_broker("shutdown2")
    conn = br.connect()
    env.track(conn)
    br.proc.send_signal(__import__("signal").SIGTERM)
    bye = conn.expect_type(w.GOODBYE, timeout=15)
    conn.wait_closed(10)
    assert conn.log[-1] is bye, conn.log
    br.proc.wait(15)


@test("§16 §5", "handshake")
def worked_example_on_the_wire(env):
    """The worked example of section 16, sent as the vectors' bytes, is answered with exactly the bytes of ack-ok.txt and message-minimal.txt."""
    from .test_vectors import read_vector
    conn = raw(env, "main")
    conn.send(read_vector("hello-minimal.txt")[0])
    fr = conn.expect(lambda f: True, 5, "WELCOME")
    assert fr.type == w.WELCOME and fr["version"] == 1, fr
    conn.send(read_vector("subscribe-minimal.txt")[0])
    conn.flush()
    conn.send(read_vector("publish-with-ack.txt")[0])
    ack = conn.expect_type(w.ACK)
    msg = conn.expect_type(w.MESSAGE)
    assert ack.raw == read_vector("ack-ok.txt")[0], ack.raw.hex()
    assert msg.raw == read_vector("message-minimal.txt")[0], msg.raw.hex()
    conn.send(bytes.fromhex("00000006 0f00 0000 0000".replace(" ", "")))
    conn.wait_closed(10)


@test("§5.1 §3 rule 6", "handshake")
def hello_credentials_flag_without_credentials(env):
    """HELLO with the CREDENTIALS flag but no user and secret is truncated: malformed_frame with CLOSE."""
    conn = raw(env)
    conn.send(w.frame_bytes(w.HELLO, 0x01, w.encode(w.HELLO, min_version=1, max_version=1, client_name="x")[6:]))
    expect_fatal(conn, "malformed_frame", timeout=5)


@test("§5.2", "welcome")
def unannounced_feature_is_refused(env):
    """A frame of a feature the server did not announce gets unknown_frame_type (no CLOSE); that feature's flags on known frames are malformed_frame."""
    raise Skip("ternd announces all four features and has no flag to turn one off")


@test("§5.2 §5.14b", "servers")
def servers_announced_and_sent_after_welcome(env):
    """A server that announces SERVERS sends it after WELCOME, each address HOST:PORT (an IPv6 host in brackets); one that does not announce it never sends it."""
    br = env.fresh_broker("servers", flags=["--client-advertise", "10.1.2.3:8376,[::1]:9000"])
    conn = env.track(br.connect(label="servers"))
    assert conn.welcome["features"] & w.FEATURE_SERVERS, hex(conn.welcome["features"])
    servers = conn.expect_type(w.SERVERS, what="SERVERS after WELCOME")
    assert servers["addresses"] == ["10.1.2.3:8376", "[::1]:9000"], servers
    first_after_welcome = [f.type for f in conn.log if f.type != w.PING][1]
    assert first_after_welcome == w.SERVERS, conn.log
    plain = env.connect()
    assert plain.welcome["features"] & w.FEATURE_SERVERS == 0, hex(plain.welcome["features"])
    plain.flush()
    assert not [f for f in plain.log if f.type == w.SERVERS], plain.log
