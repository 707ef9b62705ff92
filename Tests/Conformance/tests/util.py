"""Helpers shared by the broker tests."""

import time

from ternconf import client as c
from ternconf import wire as w
from ternconf.broker import HOST
from ternconf.framework import TESTS, Skip, Test

unique = c.unique


def register(section, group, name, doc, fn):
    """Register a generated test (for families such as 'every reserved flag')."""
    full = "%s.%s" % (group, name)
    if any(t.name == full for t in TESTS):
        raise RuntimeError("duplicate test name " + full)
    TESTS.append(Test(full, section, fn, doc))


def raw(env, name="main", **kw):
    """A connection without HELLO (TLS unless the instance is plaintext)."""
    br = env.broker(name) if isinstance(name, str) else name
    ctx = br.tls_ctx() if br.tls else None
    conn = c.Conn(HOST, br.port, ctx, label="%s-raw" % br.name, **kw)
    return env.track(conn)


def is_error(fr, code, subject=None, id=None):
    return (fr.type == w.ERROR and fr["code"] == w.ERROR_CODES[code]
            and (subject is None or fr["subject"] == subject) and (id is None or fr["id"] == id))


def expect_error(conn, code, subject=None, id=None, close=None, timeout=10.0):
    """Wait for an ERROR with this code (and subject / id); check its CLOSE flag."""
    fr = conn.expect_type(w.ERROR, lambda f: f["code"] == w.ERROR_CODES[code]
                          and (subject is None or f["subject"] == subject)
                          and (id is None or f["id"] == id), timeout,
                          "ERROR %s%s%s" % (code, "" if subject is None else " subject %d" % subject,
                                            "" if id is None else " id %d" % id))
    if close is not None:
        assert fr["close"] == close, "ERROR %s has CLOSE=%s, expected %s: %r" % (code, fr["close"], close, fr)
    return fr


def expect_fatal(conn, code, timeout=10.0, check_message=True):
    """Section 3 / 5.12: the first frame after what we sent is ERROR code with CLOSE, a non-empty
    message; the server sends nothing after it and closes the connection."""
    fr = conn.expect(lambda f: f.type == w.ERROR, timeout, "ERROR %s with CLOSE" % code)
    assert fr["code"] == w.ERROR_CODES[code], "expected ERROR %s, got %r" % (code, fr)
    assert fr["close"], "ERROR %s without CLOSE: %r" % (code, fr)
    assert fr["subject"] == w.SUBJECT_CONNECTION, "ERROR %s subject %d, expected connection" % (code, fr["subject"])
    if check_message:
        assert fr["message"], "ERROR %s has an empty message" % code
    conn.wait_closed(timeout)
    assert not conn.after_close, "frames after ERROR with CLOSE: %r" % conn.after_close
    return fr


def expect_no(conn, pred, settle=0.3, what="frame"):
    """Flush, wait a little more, and check that no frame matching pred arrived."""
    conn.flush()
    if settle:
        time.sleep(settle)
    conn.flush()
    got = conn.peek(pred=pred)
    assert not got, "unexpected %s: %r" % (what, got[:4])


def require_feature(conn, bit, name):
    if not conn.welcome["features"] & bit:
        raise Skip("the server does not announce %s" % name)


def messages(conn, sub_id=None, count=1, timeout=10.0, topic=None):
    out = []
    for _ in range(count):
        out.append(conn.expect_type(w.MESSAGE, lambda f: (sub_id is None or f["sub_id"] == sub_id)
                                    and (topic is None or f["topic"] == topic), timeout,
                                    "MESSAGE for sub %s" % sub_id))
    return out


def wait_until(fn, timeout=10.0, what="condition", step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(step)
