"""Frame encoder and decoder for the Tern wire protocol, version 1.

Written from Protocol/PROTOCOL.md only (sections 2, 3, 4, 5, 11, 12, 14).

A frame's *meaning* is a dict of named fields (``Frame.f``).  Optional fields that are
absent are ``None``; flag-only bits (SUBSCRIBE RESPONDER, ERROR CLOSE) are booleans.
The encoder derives the flags from which optional fields are present, unless told
otherwise (``flags=``), so that tests can also build invalid frames.
"""

import struct

# --- section 4: frame types -------------------------------------------------------------

HELLO = 0x01
WELCOME = 0x02
PUBLISH = 0x03
SUBSCRIBE = 0x04
UNSUBSCRIBE = 0x05
MESSAGE = 0x06
REQUEST = 0x07
INCOMING_REQUEST = 0x08
REPLY = 0x09
ACK = 0x0A
PING = 0x0B
PONG = 0x0C
ERROR = 0x0D
DROP_NOTICE = 0x0E
GOODBYE = 0x0F
LAME_DUCK = 0x10
SERVERS = 0x11
SCHEMA_REGISTER = 0x20
SCHEMA_GET = 0x21
SCHEMA_LIST = 0x22
SCHEMA_SET_MODE = 0x23
SCHEMA_BIND = 0x24
SCHEMA_CHECK = 0x25
SCHEMA_INFO = 0x28
SCHEMA_LIST_RESULT = 0x29
REGISTRY_RESULT = 0x2A

TYPE_NAMES = {
    HELLO: "HELLO", WELCOME: "WELCOME", PUBLISH: "PUBLISH", SUBSCRIBE: "SUBSCRIBE",
    UNSUBSCRIBE: "UNSUBSCRIBE", MESSAGE: "MESSAGE", REQUEST: "REQUEST",
    INCOMING_REQUEST: "INCOMING_REQUEST", REPLY: "REPLY", ACK: "ACK", PING: "PING",
    PONG: "PONG", ERROR: "ERROR", DROP_NOTICE: "DROP_NOTICE", GOODBYE: "GOODBYE",
    LAME_DUCK: "LAME_DUCK", SERVERS: "SERVERS",
    SCHEMA_REGISTER: "SCHEMA_REGISTER", SCHEMA_GET: "SCHEMA_GET", SCHEMA_LIST: "SCHEMA_LIST",
    SCHEMA_SET_MODE: "SCHEMA_SET_MODE", SCHEMA_BIND: "SCHEMA_BIND", SCHEMA_CHECK: "SCHEMA_CHECK",
    SCHEMA_INFO: "SCHEMA_INFO", SCHEMA_LIST_RESULT: "SCHEMA_LIST_RESULT",
    REGISTRY_RESULT: "REGISTRY_RESULT",
}
TYPE_BY_NAME = {v: k for k, v in TYPE_NAMES.items()}

CLIENT_TO_SERVER = {HELLO, PUBLISH, SUBSCRIBE, UNSUBSCRIBE, REQUEST, REPLY, PING, PONG, GOODBYE,
                    SCHEMA_REGISTER, SCHEMA_GET, SCHEMA_LIST, SCHEMA_SET_MODE, SCHEMA_BIND,
                    SCHEMA_CHECK}
SERVER_TO_CLIENT = {WELCOME, MESSAGE, INCOMING_REQUEST, REPLY, ACK, PING, PONG, ERROR,
                    DROP_NOTICE, GOODBYE, LAME_DUCK, SERVERS, SCHEMA_INFO, SCHEMA_LIST_RESULT,
                    REGISTRY_RESULT}

# --- section 5.2: features ----------------------------------------------------------------

FEATURE_ACKNOWLEDGEMENTS = 0x1
FEATURE_QUEUE_GROUPS = 0x2
FEATURE_REQUEST_REPLY = 0x4
FEATURE_SCHEMAS = 0x8
FEATURE_LAME_DUCK = 0x10
FEATURE_SERVERS = 0x40
FEATURE_AUTHENTICATION = 0x20

# --- section 14: error codes ----------------------------------------------------------------

ERROR_CODES = {
    "ok": 0x0000, "malformed_frame": 0x0001, "unsupported_version": 0x0002,
    "frame_too_large": 0x0003, "unexpected_frame": 0x0004, "unknown_frame_type": 0x0005,
    "handshake_timeout": 0x0006, "authentication_failed": 0x0007, "ping_timeout": 0x0008,
    "too_many_connections": 0x0009, "slow_consumer": 0x000A, "server_shutting_down": 0x000B,
    "internal_error": 0x000C, "outbound_limit_exceeded": 0x000D, "permission_denied": 0x000E,
    "invalid_topic": 0x0100, "invalid_pattern": 0x0101, "payload_too_large": 0x0102,
    "invalid_headers": 0x0103, "too_many_subscriptions": 0x0104,
    "duplicate_subscription": 0x0105, "unknown_subscription": 0x0106, "mailbox_full": 0x0107,
    "too_many_topics": 0x0108,
    "no_responders": 0x0200, "timeout": 0x0201, "responder_gone": 0x0202,
    "handler_failed": 0x0203, "unknown_request": 0x0204, "too_many_requests": 0x0205,
    "unknown_subject": 0x0300, "unknown_version": 0x0301, "incompatible_schema": 0x0302,
    "invalid_schema": 0x0303, "schema_required": 0x0304, "invalid_payload": 0x0305,
    "schema_mismatch": 0x0306, "invalid_subject": 0x0307,
    "registry_unavailable": 0x0308,
}
ERROR_NAMES = {v: k for k, v in ERROR_CODES.items()}
CLOSING_CODES = {"malformed_frame", "unsupported_version", "frame_too_large", "unexpected_frame",
                 "handshake_timeout", "authentication_failed", "ping_timeout",
                 "too_many_connections", "slow_consumer", "outbound_limit_exceeded"}


def code_name(code):
    return ERROR_NAMES.get(code, "0x%04x" % code)


# section 5.12
SUBJECT_CONNECTION, SUBJECT_SUBSCRIPTION, SUBJECT_PUBLISH, SUBJECT_REQUEST, SUBJECT_REGISTRY = range(5)
SUBJECT_NAMES = {0: "connection", 1: "subscription", 2: "publish", 3: "request", 4: "registry"}
# section 5.13
DROP_REASONS = {1: "dropped_oldest", 2: "dropped_newest", 3: "unreadable"}
# section 5.15
MODES = {0: "NONE", 1: "BACKWARD", 2: "FORWARD", 3: "FULL", 4: "BACKWARD_TRANSITIVE",
         5: "FORWARD_TRANSITIVE", 6: "FULL_TRANSITIVE"}
MODE_BY_NAME = {v: k for k, v in MODES.items()}

DEFAULT_MAX_FRAME = 1048576


class DecodeError(Exception):
    """A frame a receiver must reject.  ``kind`` is one of the vector error names
    (vectors/README.md): frame_too_large, frame_too_short, reserved_flags, truncated,
    trailing_bytes, invalid_utf8, invalid_header_name, unknown_value."""

    def __init__(self, kind, detail=""):
        super().__init__("%s: %s" % (kind, detail) if detail else kind)
        self.kind = kind
        self.detail = detail

    @property
    def protocol_code(self):
        return "frame_too_large" if self.kind == "frame_too_large" else "malformed_frame"


# --- layouts (section 5) ---------------------------------------------------------------------
#
# Each layout is a list of (name, kind, flag) where flag is None for fields that are always
# present.  Kinds: u8 u16 u32 u64 str text headers ref payload entries, and
# ("enum", allowed-set).  Flag-only bits are listed in FLAG_BOOLS.

ENUM_SUBJECT = ("enum", frozenset(SUBJECT_NAMES))
ENUM_REASON = ("enum", frozenset(DROP_REASONS))
ENUM_MODE = ("enum", frozenset(MODES))

LAYOUTS = {
    HELLO: [("min_version", "u16", None), ("max_version", "u16", None),
            ("client_name", "str", None), ("user", "str", 0x01), ("secret", "str", 0x01)],
    WELCOME: [("version", "u16", None), ("server_id", "str", None), ("max_frame", "u32", None),
              ("max_payload", "u32", None), ("max_header_bytes", "u32", None),
              ("max_topic", "u16", None), ("max_subscriptions", "u32", None),
              ("features", "u32", None), ("ping_interval", "u32", None)],
    PUBLISH: [("ack_id", "u64", 0x01), ("topic", "str", None), ("reply_to", "str", 0x02),
              ("headers", "headers", 0x04), ("schema", "ref", 0x08), ("payload", "payload", None)],
    SUBSCRIBE: [("sub_id", "u32", None), ("pattern", "str", None), ("queue_group", "str", 0x01),
                ("read_as", "ref", 0x04)],
    UNSUBSCRIBE: [("sub_id", "u32", None)],
    MESSAGE: [("sub_id", "u32", None), ("topic", "str", None), ("reply_to", "str", 0x02),
              ("headers", "headers", 0x04), ("schema", "ref", 0x08), ("payload", "payload", None)],
    REQUEST: [("request_id", "u64", None), ("timeout", "u32", None), ("topic", "str", None),
              ("headers", "headers", 0x04), ("schema", "ref", 0x08), ("payload", "payload", None)],
    INCOMING_REQUEST: [("sub_id", "u32", None), ("request_id", "u64", None), ("topic", "str", None),
                       ("headers", "headers", 0x04), ("schema", "ref", 0x08),
                       ("payload", "payload", None)],
    REPLY: [("request_id", "u64", None), ("code", "u16", None), ("headers", "headers", 0x04),
            ("schema", "ref", 0x08), ("payload", "payload", None)],
    ACK: [("ack_id", "u64", None), ("code", "u16", None), ("message", "str", None)],
    PING: [("token", "u64", None)],
    PONG: [("token", "u64", None)],
    ERROR: [("code", "u16", None), ("subject", ENUM_SUBJECT, None), ("id", "u64", None),
            ("message", "str", None)],
    DROP_NOTICE: [("sub_id", "u32", None), ("reason", ENUM_REASON, None), ("count", "u64", None)],
    GOODBYE: [("code", "u16", None), ("message", "str", None)],
    LAME_DUCK: [("duration", "u32", None)],
    SERVERS: [("addresses", "strs", None)],
    SCHEMA_REGISTER: [("op", "u64", None), ("subject", "str", None), ("definition", "text", None)],
    SCHEMA_GET: [("op", "u64", None), ("subject", "str", None), ("version", "u32", None)],
    SCHEMA_LIST: [("op", "u64", None), ("subject", "str", None)],
    SCHEMA_SET_MODE: [("op", "u64", None), ("subject", "str", None), ("mode", ENUM_MODE, None)],
    SCHEMA_BIND: [("op", "u64", None), ("topic", "str", None), ("subject", "str", None)],
    SCHEMA_CHECK: [("op", "u64", None), ("subject", "str", None), ("definition", "text", None)],
    SCHEMA_INFO: [("op", "u64", None), ("subject", "str", None), ("ref", "ref", None),
                  ("fingerprint", "u64", None), ("mode", ENUM_MODE, None),
                  ("definition", "text", None)],
    SCHEMA_LIST_RESULT: [("op", "u64", None), ("entries", "entries", None)],
    REGISTRY_RESULT: [("op", "u64", None), ("code", "u16", None), ("message", "text", None)],
}

# flag bits that carry no field: (type, bit) -> boolean field name
FLAG_BOOLS = {
    SUBSCRIBE: [("responder", 0x02)],
    ERROR: [("close", 0x01)],
}


def defined_flags(ftype):
    mask = 0
    for _, _, flag in LAYOUTS[ftype]:
        if flag:
            mask |= flag
    for _, bit in FLAG_BOOLS.get(ftype, []):
        mask |= bit
    return mask


# --- primitive encoders -------------------------------------------------------------------

def enc_str(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    if len(b) > 0xFFFF:
        raise ValueError("str longer than 65535 bytes")
    return struct.pack(">H", len(b)) + b


def enc_text(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack(">I", len(b)) + b


def enc_headers(headers):
    out = [struct.pack(">H", len(headers))]
    for name, value in headers:
        out.append(enc_str(name))
        out.append(enc_str(value))
    return b"".join(out)


def enc_ref(ref):
    return struct.pack(">II", ref[0], ref[1])


def enc_entries(entries):
    out = [struct.pack(">I", len(entries))]
    for e in entries:
        out.append(enc_str(e["subject"]))
        out.append(struct.pack(">IBI", e["subject_id"], e["mode"], len(e["versions"])))
        for v in e["versions"]:
            out.append(struct.pack(">I", v))
    return b"".join(out)


def frame_bytes(ftype, flags, body):
    """Section 3: length u32 (2 + body), type u8, flags u8, body."""
    return struct.pack(">IBB", 2 + len(body), ftype, flags) + body


def encode(ftype, flags=None, extra=b"", **fields):
    """Encode a frame from its meaning.  ``flags`` overrides the derived flag byte;
    ``extra`` is appended after the body (to build frames with trailing bytes)."""
    layout = LAYOUTS[ftype]
    derived = 0
    parts = []
    unknown = set(fields) - {n for n, _, _ in layout} - {n for n, _ in FLAG_BOOLS.get(ftype, [])}
    if unknown:
        raise TypeError("unknown fields for %s: %s" % (TYPE_NAMES[ftype], sorted(unknown)))
    for name, bit in FLAG_BOOLS.get(ftype, []):
        if fields.get(name):
            derived |= bit
    for name, kind, flag in layout:
        value = fields.get(name)
        if flag is not None:
            if value is None:
                continue
            derived |= flag
        elif value is None:
            if kind == "payload":
                value = b""
            elif kind in ("str", "text"):
                value = ""
            elif kind in ("entries", "strs"):
                value = []
            else:
                raise TypeError("%s.%s is required" % (TYPE_NAMES[ftype], name))
        if isinstance(kind, tuple):
            kind = "u8"
        if kind == "u8":
            parts.append(struct.pack(">B", value))
        elif kind == "u16":
            parts.append(struct.pack(">H", value))
        elif kind == "u32":
            parts.append(struct.pack(">I", value))
        elif kind == "u64":
            parts.append(struct.pack(">Q", value))
        elif kind == "str":
            parts.append(enc_str(value))
        elif kind == "text":
            parts.append(enc_text(value))
        elif kind == "headers":
            parts.append(enc_headers(value))
        elif kind == "ref":
            parts.append(enc_ref(value))
        elif kind == "payload":
            parts.append(value.encode("utf-8") if isinstance(value, str) else bytes(value))
        elif kind == "entries":
            parts.append(enc_entries(value))
        elif kind == "strs":
            parts.append(struct.pack(">H", len(value)) + b"".join(enc_str(v) for v in value))
        else:
            raise AssertionError(kind)
    return frame_bytes(ftype, derived if flags is None else flags, b"".join(parts) + extra)


# --- decoding --------------------------------------------------------------------------------

class _Body:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def left(self):
        return len(self.data) - self.pos

    def take(self, n, what):
        if n > self.left():
            raise DecodeError("truncated", "%s needs %d bytes, %d left" % (what, n, self.left()))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self, what):
        return self.take(1, what)[0]

    def u16(self, what):
        return struct.unpack(">H", self.take(2, what))[0]

    def u32(self, what):
        return struct.unpack(">I", self.take(4, what))[0]

    def u64(self, what):
        return struct.unpack(">Q", self.take(8, what))[0]

    def utf8(self, raw, what):
        try:
            return raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError as e:
            raise DecodeError("invalid_utf8", "%s: %s" % (what, e))

    def str_(self, what):
        n = self.u16(what + " length")
        return self.utf8(self.take(n, what), what)

    def text(self, what):
        n = self.u32(what + " length")
        return self.utf8(self.take(n, what), what)


def valid_header_name(name):
    b = name.encode("utf-8")
    return 1 <= len(b) <= 255 and all(0x21 <= c <= 0x7E and c != 0x3A for c in b)


def decode_body(ftype, flags, body):
    """Decode a known frame type's body.  Raises DecodeError."""
    layout = LAYOUTS[ftype]
    if flags & ~defined_flags(ftype) & 0xFF:
        raise DecodeError("reserved_flags", "%s flags 0x%02x" % (TYPE_NAMES[ftype], flags))
    r = _Body(body)
    f = {}
    for name, bit in FLAG_BOOLS.get(ftype, []):
        f[name] = bool(flags & bit)
    has_payload = False
    for name, kind, flag in layout:
        if flag is not None and not flags & flag:
            f[name] = None
            continue
        if isinstance(kind, tuple):
            v = r.u8(name)
            if v not in kind[1]:
                raise DecodeError("unknown_value", "%s %d" % (name, v))
            f[name] = v
        elif kind == "u8":
            f[name] = r.u8(name)
        elif kind == "u16":
            f[name] = r.u16(name)
        elif kind == "u32":
            f[name] = r.u32(name)
        elif kind == "u64":
            f[name] = r.u64(name)
        elif kind == "str":
            f[name] = r.str_(name)
        elif kind == "text":
            f[name] = r.text(name)
        elif kind == "ref":
            f[name] = (r.u32(name), r.u32(name))
        elif kind == "headers":
            count = r.u16("header count")
            # each pair takes at least 4 bytes (two empty str lengths): check before allocating
            if count * 4 > r.left():
                raise DecodeError("truncated", "header count %d, %d bytes left" % (count, r.left()))
            hs = []
            for _ in range(count):
                n = r.str_("header name")
                v = r.str_("header value")
                if not valid_header_name(n):
                    raise DecodeError("invalid_header_name", repr(n))
                hs.append((n, v))
            f[name] = hs
        elif kind == "strs":
            count = r.u16("address count")
            # each address takes at least its 2 length bytes: check before allocating
            if count * 2 > r.left():
                raise DecodeError("truncated", "address count %d, %d bytes left" % (count, r.left()))
            f[name] = [r.str_("address") for _ in range(count)]
        elif kind == "payload":
            f[name] = r.take(r.left(), name)
            has_payload = True
        elif kind == "entries":
            count = r.u32("entry count")
            if count * 11 > r.left():
                raise DecodeError("truncated", "entry count %d, %d bytes left" % (count, r.left()))
            entries = []
            for _ in range(count):
                subj = r.str_("entry subject")
                sid = r.u32("entry subject id")
                mode = r.u8("entry mode")
                if mode not in MODES:
                    raise DecodeError("unknown_value", "mode %d" % mode)
                vc = r.u32("version count")
                if vc * 4 > r.left():
                    raise DecodeError("truncated", "version count %d, %d bytes left" % (vc, r.left()))
                versions = [r.u32("version") for _ in range(vc)]
                entries.append({"subject": subj, "subject_id": sid, "mode": mode,
                                "versions": versions})
            f[name] = entries
        else:
            raise AssertionError(kind)
    if not has_payload and r.left():
        raise DecodeError("trailing_bytes", "%d bytes after %s" % (r.left(), TYPE_NAMES[ftype]))
    return f


class Frame:
    """A decoded frame.  ``f`` holds the meaning; unknown types have ``f = None``."""

    __slots__ = ("type", "flags", "body", "f", "raw")

    def __init__(self, ftype, flags, body, f, raw):
        self.type, self.flags, self.body, self.f, self.raw = ftype, flags, body, f, raw

    @property
    def name(self):
        return TYPE_NAMES.get(self.type, "0x%02x" % self.type)

    def __getitem__(self, k):
        return self.f[k]

    def get(self, k, default=None):
        return self.f.get(k, default) if self.f else default

    def __repr__(self):
        if self.f is None:
            return "<%s flags=0x%02x %d body bytes>" % (self.name, self.flags, len(self.body))
        shown = {}
        for k, v in self.f.items():
            if isinstance(v, (bytes, bytearray)) and len(v) > 40:
                v = v[:40] + b"..."
            if isinstance(v, str) and len(v) > 120:
                v = v[:120] + "..."
            if k == "code":
                v = code_name(v)
            shown[k] = v
        return "<%s %s>" % (self.name, shown)


class FrameReader:
    """Incremental stream decoder, section 3 (receiver rules 1-6)."""

    def __init__(self, max_frame=DEFAULT_MAX_FRAME):
        self.max_frame = max_frame
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data

    def next_raw(self):
        """Return (type, flags, body, raw) or None when incomplete."""
        if len(self.buf) < 4:
            return None
        length = struct.unpack(">I", self.buf[:4])[0]
        if length > self.max_frame:
            raise DecodeError("frame_too_large", "length %d > %d" % (length, self.max_frame))
        if length < 2:
            raise DecodeError("frame_too_short", "length %d" % length)
        if len(self.buf) < 4 + length:
            return None
        raw = bytes(self.buf[:4 + length])
        del self.buf[:4 + length]
        return raw[4], raw[5], raw[6:], raw

    def next(self):
        item = self.next_raw()
        if item is None:
            return None
        ftype, flags, body, raw = item
        if ftype not in LAYOUTS:
            return Frame(ftype, flags, body, None, raw)
        return Frame(ftype, flags, body, decode_body(ftype, flags, body), raw)


def decode_one(data, max_frame=DEFAULT_MAX_FRAME):
    """Decode exactly one frame from ``data``.  Returns a Frame, or None when incomplete.
    Raises DecodeError, or ValueError when bytes remain after the frame."""
    r = FrameReader(max_frame)
    r.feed(data)
    fr = r.next()
    if fr is not None and r.buf:
        raise ValueError("%d bytes after the frame" % len(r.buf))
    return fr


# --- section 11: topics and patterns (client-side checks used by tests) --------------------

def _token_ok(t):
    return len(t) > 0 and all(0x21 <= c <= 0x7E and c not in b".*>" for c in t)


def is_topic(s, max_len=255):
    b = s.encode("utf-8")
    return 0 < len(b) <= max_len and all(_token_ok(t) for t in b.split(b"."))


def pattern_matches(pattern, topic):
    p = pattern.split(".")
    t = topic.split(".")
    for i, tok in enumerate(p):
        if tok == ">":
            return len(t) > i
        if i >= len(t):
            return False
        if tok != "*" and tok != t[i]:
            return False
    return len(p) == len(t)
