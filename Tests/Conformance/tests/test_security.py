"""Authentication and permissions (PROTOCOL.md §6.4, §6.5, §14).

The broker under test has users, given in a config file (README.md, "Securing ternd"): token
hashes are made here with hashlib.scrypt in the documented `$scrypt$ln=…,r=…,p=…$SALT$HASH` form.
Public-key proofs need the TLS exporter, which Python's ssl module does not offer: only refusals
of keys are tested here (the Swift end-to-end tests prove keys).
"""

import base64
import hashlib
import json
import os
import time

from ternconf import broker as b
from ternconf import wire as w
from ternconf.framework import test

from .util import expect_error, expect_fatal, expect_no, raw, unique

E = w.ERROR_CODES
TOKEN = "conformance-token-1"
ADMIN_TOKEN = "conformance-admin-token"


def token_hash(token):
    salt = os.urandom(16)
    digest = hashlib.scrypt(token.encode(), salt=salt, n=1 << 10, r=8, p=1, dklen=32)
    enc = lambda raw_bytes: base64.b64encode(raw_bytes).decode().rstrip("=")
    return "$scrypt$ln=10,r=8,p=1$%s$%s" % (enc(salt), enc(digest))


def secure(env):
    """The shared broker with users: `orders-svc` (token, limited) and `ops` (token, everything)."""
    with env.lock:
        br = env.brokers.get("secure")
        if br is not None and br.alive():
            return br
        directory = os.path.join(env.tmp_root, "secure-config")
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, "ternd.json")
        users = [
            {"name": "orders-svc", "token-hash": token_hash(TOKEN),
             "publish": {"allow": ["orders.>"]},
             "subscribe": {"allow": ["orders.*", "billing.*"], "deny": ["billing.secret"]},
             "request": {"allow": ["pricing.>"]},
             "respond": {"allow": ["orders.quote"]},
             "registry": "read"},
            {"name": "ops", "token-hash": token_hash(ADMIN_TOKEN),
             "publish": {"allow": [">"]}, "subscribe": {"allow": [">"]},
             "request": {"allow": [">"]}, "respond": {"allow": [">"]}, "registry": "admin"},
        ]
        with open(path, "w") as f:
            json.dump({"authorization": {"users": users}}, f)
        br = b.Broker(env.binary, "secure", ["--config", path], True, env.tmp_root)
        br.start()
        env.brokers["secure"] = br
        return br


def login(env, token=TOKEN, user="orders-svc"):
    return env.connect(secure(env), user=user, secret=token)


def refused_hello(env, **hello):
    conn = raw(env, secure(env))
    started = time.monotonic()
    conn.send_frame(w.HELLO, min_version=1, max_version=1, client_name="conformance", **hello)
    fr = expect_fatal(conn, "authentication_failed")
    return fr, time.monotonic() - started


# --- §6.4 authentication --------------------------------------------------------------------

@test("§6.4 §5.2", "security")
def open_broker_ignores_credentials_and_announces_no_authentication(env):
    """A server without users ignores credentials and does not announce AUTHENTICATION."""
    conn = env.connect(user="nobody", secret="anything")
    assert conn.welcome["features"] & w.FEATURE_AUTHENTICATION == 0, hex(conn.welcome["features"])


@test("§6.4 §5.2", "security")
def right_token_is_welcomed_with_authentication(env):
    """A right token, with its user's name or with an empty user, is welcomed; WELCOME announces AUTHENTICATION."""
    for user in ("orders-svc", ""):
        conn = login(env, user=user)
        assert conn.welcome["features"] & w.FEATURE_AUTHENTICATION, hex(conn.welcome["features"])
        conn.flush()


@test("§6.4 §6.1", "security")
def wrong_token_fails_after_a_delay_and_closes(env):
    """A wrong token, or a right token under another user's name, gets authentication_failed with CLOSE after a delay."""
    for hello in (dict(user="orders-svc", secret="wrong"), dict(user="", secret="wrong"),
                  dict(user="ops", secret=TOKEN), dict(user="nobody", secret=TOKEN)):
        fr, elapsed = refused_hello(env, **hello)
        assert fr["message"].startswith("authentication failed: "), fr
        assert TOKEN not in fr["message"] and "wrong" not in fr["message"], fr
        assert elapsed >= 0.2, "refused after %.3f s: a failure is answered after a fixed delay" % elapsed


@test("§6.4", "security")
def missing_credentials_are_refused_clearly(env):
    """A HELLO without credentials (a client written before authentication) gets authentication_failed saying credentials are required."""
    fr, _ = refused_hello(env)
    assert "requires authentication" in fr["message"], fr


@test("§6.4", "security")
def unknown_or_malformed_public_keys_are_refused(env):
    """A proof by an unknown key, a malformed key or a malformed signature gets authentication_failed."""
    key = "ed25519:" + base64.b64encode(os.urandom(32)).decode()
    signature = base64.b64encode(os.urandom(64)).decode()
    for user, secret in ((key, signature), ("ed25519:AAAA", signature), (key, "not base64!")):
        fr, _ = refused_hello(env, user=user, secret=secret)
        assert fr["message"].startswith("authentication failed: "), fr


@test("§6.4", "security")
def frames_after_a_refused_hello_are_not_processed(env):
    """Frames sent after a HELLO that fails authentication are discarded: a PUBLISH behind it reaches no subscriber."""
    topic = "orders." + unique("pre")
    sub = login(env, ADMIN_TOKEN, "ops")
    sub.subscribe(1, topic)
    conn = raw(env, secure(env))
    conn.send(w.encode(w.HELLO, min_version=1, max_version=1, client_name="c", user="ops", secret="wrong")
              + w.encode(w.PUBLISH, topic=topic, payload=b"sneaky"))
    expect_fatal(conn, "authentication_failed")
    expect_no(sub, lambda f: f.type == w.MESSAGE, what="MESSAGE from an unauthenticated client")


# --- §6.5 permissions -------------------------------------------------------------------------

@test("§6.5 §14", "security")
def publish_outside_the_allow_list_is_denied_and_the_connection_stays(env):
    """A PUBLISH outside the allow list gets ACK permission_denied naming the operation and topic; the connection goes on."""
    conn = login(env)
    ack = conn.publish_acked("billing.x", b"no")
    assert ack["code"] == E["permission_denied"], ack
    assert ack["message"].startswith("publish 'billing.x':") and "orders-svc" in ack["message"], ack
    assert conn.publish_acked("orders." + unique(), b"yes")["code"] == 0
    conn.flush()


@test("§6.5 §14", "security")
def unacknowledged_denied_publish_gets_an_error_and_reaches_nobody(env):
    """A denied PUBLISH without ACK gets ERROR permission_denied subject publish, no CLOSE; no subscriber receives it."""
    watcher = login(env, ADMIN_TOKEN, "ops")
    watcher.subscribe(1, "billing.y")
    conn = login(env)
    conn.publish("billing.y", b"no")
    fr = expect_error(conn, "permission_denied", subject=w.SUBJECT_PUBLISH, close=False)
    assert "billing.y" in fr["message"], fr
    expect_no(watcher, lambda f: f.type == w.MESSAGE, what="MESSAGE of a denied publish")
    conn.flush()


@test("§6.5", "security")
def subscriptions_beyond_the_allow_list_are_refused_whole(env):
    """With orders.* allowed, orders.> and > are refused; with billing.secret denied, billing.* and billing.secret are refused; orders.* and billing.open open."""
    conn = login(env)
    for sub_id, pattern in ((1, "orders.>"), (2, ">"), (3, "billing.*"), (4, "billing.secret"), (5, "pricing.x")):
        conn.send_frame(w.SUBSCRIBE, sub_id=sub_id, pattern=pattern)
        fr = expect_error(conn, "permission_denied", subject=w.SUBJECT_SUBSCRIPTION, id=sub_id, close=False)
        assert fr["message"].startswith("subscribe '%s':" % pattern), fr
    conn.subscribe(6, "orders.*")
    conn.subscribe(7, "billing.open")
    topic = "orders." + unique()
    assert conn.publish_acked(topic, b"mine")["code"] == 0
    assert conn.expect_type(w.MESSAGE)["sub_id"] == 6


@test("§6.5 §8", "security")
def requests_and_responders_need_their_permissions(env):
    """A REQUEST outside the request list gets REPLY permission_denied; a responder outside the respond list gets ERROR permission_denied."""
    conn = login(env)
    rep = conn.request("billing.quote", b"?")
    assert rep["code"] == E["permission_denied"], rep
    assert rep["payload"].startswith(b"request 'billing.quote':"), rep
    conn.send_frame(w.SUBSCRIBE, sub_id=9, pattern="orders.*", responder=True)
    expect_error(conn, "permission_denied", subject=w.SUBJECT_SUBSCRIPTION, id=9, close=False)
    conn.subscribe(10, "orders.quote", responder=True)
    assert conn.request("pricing.eu", b"?")["code"] == E["no_responders"]


@test("§6.5 §8", "security")
def replies_need_no_permission(env):
    """A responder answers a requester whatever the topics: replies need no permission on either side."""
    responder = login(env)
    responder.subscribe(1, "orders.quote", responder=True)
    requester = login(env, ADMIN_TOKEN, "ops")
    rid = requester.request("orders.quote", b"q", wait=None)
    inc = responder.expect_type(w.INCOMING_REQUEST)
    responder.send_frame(w.REPLY, request_id=inc["request_id"], code=0, payload=b"42")
    rep = requester.expect_type(w.REPLY, lambda f: f["request_id"] == rid)
    assert rep["code"] == 0 and rep["payload"] == b"42", rep


@test("§6.5 §10", "security")
def registry_operations_need_their_role(env):
    """The role read may list schemas; SCHEMA_SET_MODE needs admin: REGISTRY_RESULT permission_denied naming the subject (an admin's goes on to unknown_subject)."""
    conn = login(env)
    assert conn.registry(w.SCHEMA_LIST, subject="").type == w.SCHEMA_LIST_RESULT
    subject = unique("subj")
    fr = conn.registry(w.SCHEMA_SET_MODE, subject=subject, mode=w.MODE_BY_NAME["FULL"])
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["permission_denied"], fr
    assert fr["message"].startswith("registry-admin '%s':" % subject), fr
    admin = login(env, ADMIN_TOKEN, "ops")
    fr = admin.registry(w.SCHEMA_SET_MODE, subject=subject, mode=w.MODE_BY_NAME["FULL"])
    # The admin's operation is carried out: the subject does not exist.
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["unknown_subject"], fr
