"""A small Tern client for conformance tests (PROTOCOL.md sections 1, 3, 6).

A Conn owns one TCP (optionally TLS) connection and a reader thread that decodes every
frame the server sends, strictly (section 3), into an inbox.  A server frame that breaks
the protocol is recorded in ``violations`` and makes every later ``expect`` fail, since a
conforming server never sends one.
"""

import itertools
import os
import socket
import ssl
import struct
import threading
import time

from . import wire as w

ALPN = "tern/1"
DEFAULT_TIMEOUT = 10.0

_tokens = itertools.count(0x7E570000)


class ProtocolFailure(AssertionError):
    pass


class Closed(AssertionError):
    pass


def tls_context(ca_file=None, alpn=(ALPN,), min_version=None, max_version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file:
        ctx.load_verify_locations(ca_file)
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if alpn is not None:
        ctx.set_alpn_protocols(list(alpn))
    if min_version is not None:
        ctx.minimum_version = min_version
    if max_version is not None:
        ctx.maximum_version = max_version
    return ctx


class TLSStream:
    """TLS over a plain socket through memory BIOs, so that one thread may read while another
    writes (an ssl.SSLSocket must not be used from two threads at once)."""

    def __init__(self, raw, ctx, server_hostname):
        self.raw = raw
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_side=False,
                                server_hostname=server_hostname)
        self.ssl_lock = threading.Lock()   # guards obj and the BIOs; never held while blocking
        self.wire_lock = threading.Lock()  # orders TLS records on the socket
        self.eof = False
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush_out_direct()
                data = self.raw.recv(65536)
                if not data:
                    raise ConnectionResetError("connection closed during the TLS handshake")
                self.incoming.write(data)
        self._flush_out_direct()

    def _flush_out_direct(self):
        out = self.outgoing.read()
        if out:
            self.raw.sendall(out)

    def _flush_out(self):
        with self.wire_lock:
            with self.ssl_lock:
                out = self.outgoing.read()
            if out:
                self.raw.sendall(out)

    def selected_alpn_protocol(self):
        return self.obj.selected_alpn_protocol()

    def version(self):
        return self.obj.version()

    def recv(self, n):
        while True:
            pending_out = False
            with self.ssl_lock:
                try:
                    data = self.obj.read(n)
                    pending_out = self.outgoing.pending > 0
                except ssl.SSLWantReadError:
                    data = None
                    pending_out = self.outgoing.pending > 0
                except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                    return b""
            if pending_out:
                try:
                    self._flush_out()
                except OSError:
                    pass
            if data is not None:
                return data
            if self.eof:
                return b""
            raw = self.raw.recv(262144)
            with self.ssl_lock:
                if not raw:
                    self.eof = True
                    self.incoming.write_eof()
                else:
                    self.incoming.write(raw)

    def sendall(self, data):
        with self.wire_lock:
            with self.ssl_lock:
                view = memoryview(data)
                while view:
                    k = self.obj.write(view)
                    view = view[k:]
                out = self.outgoing.read()
            self.raw.sendall(out)

    def send(self, data):
        self.sendall(data)
        return len(data)

    def close_write(self):
        """close_notify, then a TCP half-close."""
        with self.wire_lock:
            with self.ssl_lock:
                try:
                    self.obj.unwrap()
                except (ssl.SSLError, OSError, ValueError):
                    pass
                out = self.outgoing.read()
            try:
                if out:
                    self.raw.sendall(out)
                self.raw.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def setsockopt(self, *a):
        return self.raw.setsockopt(*a)

    def settimeout(self, t):
        return self.raw.settimeout(t)

    def shutdown(self, how):
        return self.raw.shutdown(how)

    def close(self):
        return self.raw.close()


def open_socket(host, port, tls_ctx=None, server_hostname="localhost", rcvbuf=None,
                timeout=DEFAULT_TIMEOUT):
    """TCP connect (and TLS handshake through a TLSStream when tls_ctx is given)."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(timeout)
    raw.connect((host, port))
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls_ctx is None:
        return raw
    try:
        return TLSStream(raw, tls_ctx, server_hostname)
    except BaseException:
        raw.close()
        raise


class Conn:
    def __init__(self, host, port, tls_ctx=None, auto_pong=True, rcvbuf=None, start_reader=True,
                 label="conn"):
        self.label = label
        self.sock = open_socket(host, port, tls_ctx, rcvbuf=rcvbuf)
        self.sock.settimeout(None)
        self.auto_pong = auto_pong
        self.reader = w.FrameReader(w.DEFAULT_MAX_FRAME)
        self.cond = threading.Condition()
        self.inbox = []          # frames not yet taken by expect()
        self.log = []            # every frame received, in order
        self.violations = []     # invalid bytes from the server (DecodeError)
        self.closed = False      # EOF or error on the socket
        self.close_reason = None
        self.closed_at = None
        self.welcome = None
        self.error_close_seen = False
        self.after_close = []    # frames received after an ERROR with CLOSE
        self.send_lock = threading.Lock()
        self.server_pings = []
        self.bytes_received = 0
        self._thread = None
        self._go = threading.Event()
        self._go.set()
        if start_reader:
            self.start_reader()

    # --- reading ----------------------------------------------------------------------------

    def start_reader(self):
        self._thread = threading.Thread(target=self._read_loop, daemon=True,
                                        name="reader-%s" % self.label)
        self._thread.start()

    def _read_loop(self):
        reason = "eof"
        try:
            while True:
                self._go.wait()
                try:
                    data = self.sock.recv(262144)
                except (ssl.SSLError, OSError) as e:
                    reason = "%s: %s" % (type(e).__name__, e)
                    break
                if not data:
                    break
                self.bytes_received += len(data)
                self.reader.feed(data)
                while True:
                    try:
                        fr = self.reader.next()
                    except w.DecodeError as e:
                        with self.cond:
                            self.violations.append(e)
                            self.cond.notify_all()
                        reason = "invalid bytes from the server: %s" % e
                        raise StopIteration
                    if fr is None:
                        break
                    self._on_frame(fr)
        except StopIteration:
            pass
        # the server closed (or the connection failed): close our side too, as a client does
        self.close_write()
        with self.cond:
            self.closed = True
            self.closed_at = time.monotonic()
            self.close_reason = reason
            self.cond.notify_all()

    def pause(self):
        """Stop reading from the socket (after the read in progress): a frozen client."""
        self._go.clear()

    def resume(self):
        self._go.set()

    def _on_frame(self, fr):
        if fr.type == w.WELCOME and self.welcome is None:
            self.welcome = fr
            self.reader.max_frame = fr["max_frame"]
        if fr.type == w.PING:
            self.server_pings.append(fr)
            if self.auto_pong:
                try:
                    self.send(w.encode(w.PONG, token=fr["token"]))
                except OSError:
                    pass
        with self.cond:
            if self.error_close_seen:
                self.after_close.append(fr)
            if fr.type == w.ERROR and fr["close"]:
                self.error_close_seen = True
            self.log.append(fr)
            self.inbox.append(fr)
            self.cond.notify_all()

    def _check(self):
        if self.violations:
            raise ProtocolFailure("%s: the server sent invalid bytes: %s" % (self.label, self.violations[0]))

    def expect(self, pred=None, timeout=DEFAULT_TIMEOUT, what="a frame", ftype=None, take=True):
        """Wait for the first inbox frame matching pred (and ftype); remove and return it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                self._check()
                for i, fr in enumerate(self.inbox):
                    if (ftype is None or fr.type == ftype) and (pred is None or pred(fr)):
                        if take:
                            del self.inbox[i]
                        return fr
                if self.closed:
                    raise Closed("%s: connection closed (%s) while waiting for %s; unmatched frames: %r"
                                 % (self.label, self.close_reason, what, self.inbox[:6]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s: timed out after %.1fs waiting for %s; unmatched frames: %r"
                                         % (self.label, timeout, what, self.inbox[:6]))
                self.cond.wait(min(left, 0.5))

    def expect_type(self, ftype, pred=None, timeout=DEFAULT_TIMEOUT, what=None):
        return self.expect(pred, timeout, what or w.TYPE_NAMES.get(ftype, hex(ftype)), ftype=ftype)

    def take_all(self, ftype=None, pred=None):
        with self.cond:
            self._check()
            out = [f for f in self.inbox if (ftype is None or f.type == ftype) and (pred is None or pred(f))]
            self.inbox = [f for f in self.inbox if f not in out]
            return out

    def peek(self, ftype=None, pred=None):
        with self.cond:
            return [f for f in self.inbox if (ftype is None or f.type == ftype) and (pred is None or pred(f))]

    def wait_for(self, cond_fn, timeout=DEFAULT_TIMEOUT, what="a condition"):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not cond_fn():
                self._check()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s: timed out after %.1fs waiting for %s" % (self.label, timeout, what))
                self.cond.wait(min(left, 0.5))

    def wait_closed(self, timeout=DEFAULT_TIMEOUT):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s: the server did not close the connection within %.1fs; inbox %r"
                                         % (self.label, timeout, self.inbox[:6]))
                self.cond.wait(min(left, 0.5))
        self._check()

    def is_closed(self):
        with self.cond:
            return self.closed

    # --- writing ----------------------------------------------------------------------------

    def send(self, data):
        with self.send_lock:
            self.sock.sendall(data)

    def send_frame(self, ftype, **kw):
        self.send(w.encode(ftype, **kw))

    def try_send(self, data):
        try:
            self.send(data)
            return True
        except OSError:
            return False

    # --- protocol helpers -----------------------------------------------------------------

    def hello(self, min_version=1, max_version=1, name="conformance", user=None, secret=None,
              timeout=DEFAULT_TIMEOUT):
        self.send_frame(w.HELLO, min_version=min_version, max_version=max_version,
                        client_name=name, user=user, secret=secret)
        return self.expect(lambda f: f.type in (w.WELCOME, w.ERROR), timeout, "WELCOME")

    def ping(self, token=None):
        token = next(_tokens) if token is None else token
        self.send_frame(w.PING, token=token)
        return token

    def flush(self, timeout=DEFAULT_TIMEOUT):
        """Section 6.2: PING and wait for its PONG; returns the PONG."""
        token = self.ping()
        return self.expect_type(w.PONG, lambda f: f["token"] == token, timeout, "PONG %d" % token)

    def subscribe(self, sub_id, pattern, queue_group=None, responder=False, read_as=None,
                  flush=True):
        self.send_frame(w.SUBSCRIBE, sub_id=sub_id, pattern=pattern, queue_group=queue_group,
                        responder=responder, read_as=read_as)
        if flush:
            self.flush()
            errs = self.peek(w.ERROR, lambda f: f["subject"] == w.SUBJECT_SUBSCRIPTION and f["id"] == sub_id)
            if errs:
                raise AssertionError("%s: SUBSCRIBE %d %r failed: %r" % (self.label, sub_id, pattern, errs[0]))

    def publish(self, topic, payload=b"", **kw):
        self.send_frame(w.PUBLISH, topic=topic, payload=payload, **kw)

    def publish_acked(self, topic, payload=b"", ack_id=None, timeout=DEFAULT_TIMEOUT, **kw):
        ack_id = next(_tokens) if ack_id is None else ack_id
        self.send_frame(w.PUBLISH, topic=topic, payload=payload, ack_id=ack_id, **kw)
        return self.expect_type(w.ACK, lambda f: f["ack_id"] == ack_id, timeout, "ACK %d" % ack_id)

    def registry(self, ftype, timeout=DEFAULT_TIMEOUT, **kw):
        op = kw.pop("op", None)
        op = next(_tokens) if op is None else op
        self.send_frame(ftype, op=op, **kw)
        return self.expect(lambda f: f.type in (w.SCHEMA_INFO, w.SCHEMA_LIST_RESULT, w.REGISTRY_RESULT)
                           and f["op"] == op, timeout, "registry answer to op %d" % op)

    def request(self, topic, payload=b"", request_id=None, timeout_ms=5000, wait=DEFAULT_TIMEOUT, **kw):
        rid = next(_tokens) if request_id is None else request_id
        self.send_frame(w.REQUEST, request_id=rid, timeout=timeout_ms, topic=topic, payload=payload, **kw)
        if wait is None:
            return rid
        return self.expect_type(w.REPLY, lambda f: f["request_id"] == rid, wait, "REPLY %d" % rid)

    def goodbye(self, close=True):
        """Section 6.3: GOODBYE code 0; its sender sends nothing after it and closes (here: a
        half-close, so that the reader still sees what the server sends and its close)."""
        self.try_send(w.encode(w.GOODBYE, code=0, message=""))
        if close:
            self.close_write()

    def close_write(self):
        try:
            if isinstance(self.sock, TLSStream):
                self.sock.close_write()
            else:
                self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Close without GOODBYE and with a TCP reset (SO_LINGER 0)."""
        try:
            raw = self.sock
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def unique(prefix="t"):
    """A fresh topic token so that tests never see each other's traffic."""
    return "%s%d_%s" % (prefix, next(_tokens), os.urandom(3).hex())
