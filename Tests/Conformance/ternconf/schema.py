"""Tern schemas, written from Protocol/SCHEMAS.md only: the text form (section 2), the
canonical form and CRC-64-AVRO fingerprint (section 3), and the binary payload encoding
(section 4).  Values are Python values: bool, int, float, str, bytes, enum symbols as str,
None for a null optional, list, dict for maps and records; timestamps are int microseconds.
"""

import math
import re
import struct

PRIMITIVES = ("bool", "int32", "int64", "float64", "string", "bytes", "timestamp")
RESERVED = set(PRIMITIVES) | {"enum", "optional", "list", "map", "record", "true", "false", "null"}

NO_DEFAULT = object()


class SchemaError(Exception):
    pass


class PayloadError(Exception):
    pass


# --- model ---------------------------------------------------------------------------------

class Prim:
    def __init__(self, name):
        self.name = name


class Optional:
    def __init__(self, item):
        self.item = item


class List:
    def __init__(self, item):
        self.item = item


class Map:
    def __init__(self, item):
        self.item = item


class Enum:
    def __init__(self, name, symbols, doc=None):
        self.name, self.symbols, self.doc = name, symbols, doc


class Field:
    def __init__(self, name, type_, default=NO_DEFAULT, doc=None):
        self.name, self.type, self.default, self.doc = name, type_, default, doc


class Record:
    def __init__(self, name, fields, doc=None):
        self.name, self.fields, self.doc = name, fields, doc


# --- section 2.1: lexer -----------------------------------------------------------------------

_NUM = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Tok:
    def __init__(self, kind, value, line, col, doc=None):
        self.kind, self.value, self.line, self.col, self.doc = kind, value, line, col, doc

    def __repr__(self):
        return "%s(%r)" % (self.kind, self.value)


def tokenize(text):
    toks = []
    i, line, col = 0, 1, 1
    n = len(text)
    doc_lines = []
    pending_doc = None

    def adv(k):
        nonlocal i, line, col
        for _ in range(k):
            if text[i] == "\n":
                line += 1
                col = 1
            else:
                col += 1
            i += 1

    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            adv(1)
            continue
        if text.startswith("///", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            body = text[i + 3:end]
            if body.startswith(" "):
                body = body[1:]
            doc_lines.append(body)
            adv(end - i)
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            adv(end - i)
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise SchemaError("%d:%d: unterminated comment" % (line, col))
            adv(end + 2 - i)
            continue
        if doc_lines:
            pending_doc = "\n".join(doc_lines)
            doc_lines = []
        l0, c0 = line, col
        doc, pending_doc = pending_doc, None
        if ch == "x" and text.startswith('x"', i):
            end = text.find('"', i + 2)
            if end < 0:
                raise SchemaError("%d:%d: unterminated bytes" % (l0, c0))
            hexs = text[i + 2:end]
            if len(hexs) % 2 or not re.fullmatch(r"[0-9A-Fa-f]*", hexs):
                raise SchemaError("%d:%d: invalid bytes literal" % (l0, c0))
            toks.append(Tok("bytes", bytes.fromhex(hexs), l0, c0, doc))
            adv(end + 1 - i)
            continue
        m = _IDENT.match(text, i)
        if m:
            toks.append(Tok("ident", m.group(0), l0, c0, doc))
            adv(m.end() - i)
            continue
        m = _NUM.match(text, i)
        if m:
            toks.append(Tok("num", m.group(0), l0, c0, doc))
            adv(m.end() - i)
            continue
        if ch == '"':
            j = i + 1
            out = []
            while True:
                if j >= n or text[j] == "\n":
                    raise SchemaError("%d:%d: unterminated string" % (l0, c0))
                cj = text[j]
                if cj == '"':
                    break
                if cj == "\\":
                    e = text[j + 1:j + 2]
                    if e in ('"', "\\"):
                        out.append(e)
                        j += 2
                    elif e == "n":
                        out.append("\n"); j += 2
                    elif e == "r":
                        out.append("\r"); j += 2
                    elif e == "t":
                        out.append("\t"); j += 2
                    elif e == "u":
                        m2 = re.match(r"\\u\{([0-9A-Fa-f]{1,6})\}", text[j:])
                        if not m2:
                            raise SchemaError("%d:%d: bad escape" % (l0, c0))
                        out.append(chr(int(m2.group(1), 16)))
                        j += m2.end()
                    else:
                        raise SchemaError("%d:%d: bad escape" % (l0, c0))
                else:
                    out.append(cj)
                    j += 1
            toks.append(Tok("string", "".join(out), l0, c0, doc))
            adv(j + 1 - i)
            continue
        if ch in "{}<>[]:=,;-":
            toks.append(Tok("punct", ch, l0, c0, doc))
            adv(1)
            continue
        raise SchemaError("%d:%d: unexpected character %r" % (l0, c0, ch))
    toks.append(Tok("end", None, line, col))
    return toks


# --- section 2.2: parser ----------------------------------------------------------------------

class Parser:
    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0
        self.named = {}
        self.depth = 0

    def peek(self):
        return self.toks[self.i]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, kind, value=None):
        t = self.next()
        if t.kind != kind or (value is not None and t.value != value):
            raise SchemaError("%d:%d: expected %s, found %r" % (t.line, t.col, value or kind, t.value))
        return t

    def name(self):
        t = self.expect("ident")
        if t.value in RESERVED:
            raise SchemaError("%d:%d: reserved word %r" % (t.line, t.col, t.value))
        return t.value

    def schema(self):
        t = self.peek()
        if not (t.kind == "ident" and t.value == "record"):
            raise SchemaError("%d:%d: a schema is a record" % (t.line, t.col))
        r = self.type_()
        self.expect("end")
        return r

    def type_(self):
        t = self.next()
        if t.kind != "ident":
            raise SchemaError("%d:%d: expected a type" % (t.line, t.col))
        v = t.value
        if v in PRIMITIVES:
            return Prim(v)
        if v in ("optional", "list", "map"):
            self.expect("punct", "<")
            self.depth += 1
            if self.depth > 32:
                raise SchemaError("too deep")
            item = self.type_()
            self.depth -= 1
            self.expect("punct", ">")
            if v == "optional":
                if isinstance(item, Optional):
                    raise SchemaError("optional of optional")
                return Optional(item)
            return List(item) if v == "list" else Map(item)
        if v == "record":
            name = self.name()
            self.expect("punct", "{")
            fields = []
            self.depth += 1
            while not (self.peek().kind == "punct" and self.peek().value == "}"):
                ft = self.peek()
                fname = self.expect("ident").value
                self.expect("punct", ":")
                ftype = self.type_()
                default = NO_DEFAULT
                if self.peek().kind == "punct" and self.peek().value == "=":
                    self.next()
                    default = self.literal(ftype)
                if any(f.name == fname for f in fields):
                    raise SchemaError("%s: duplicate field %r" % (name, fname))
                fields.append(Field(fname, ftype, default, ft.doc))
                if self.peek().kind == "punct" and self.peek().value in ",;":
                    self.next()
            self.depth -= 1
            self.next()
            if not fields:
                raise SchemaError("record %s has no fields" % name)
            rec = Record(name, fields, t.doc)
            return self._define(rec)
        if v == "enum":
            name = self.name()
            self.expect("punct", "{")
            syms = []
            while not (self.peek().kind == "punct" and self.peek().value == "}"):
                s = self.name()
                if s in syms:
                    raise SchemaError("duplicate symbol %r" % s)
                syms.append(s)
                if self.peek().kind == "punct" and self.peek().value == ",":
                    self.next()
            self.next()
            if not syms:
                raise SchemaError("enum %s has no symbols" % name)
            return self._define(Enum(name, syms, t.doc))
        if v in self.named:
            return self.named[v]
        raise SchemaError("%d:%d: unknown type %r" % (t.line, t.col, v))

    def _define(self, typ):
        old = self.named.get(typ.name)
        if old is not None:
            if canonical_type(old, set()) != canonical_type(typ, set()):
                raise SchemaError("second different definition of %s" % typ.name)
            return old
        self.named[typ.name] = typ
        return typ

    # section 2.3
    def literal(self, typ):
        t = self.peek()
        if isinstance(typ, Prim):
            k = typ.name
            if k == "bool":
                v = self.expect("ident").value
                if v not in ("true", "false"):
                    raise SchemaError("expected bool literal")
                return v == "true"
            if k in ("int32", "int64"):
                v = self.expect("num").value
                if not re.fullmatch(r"-?[0-9]+", v):
                    raise SchemaError("expected integer literal")
                iv = int(v)
                lo, hi = (-2**31, 2**31 - 1) if k == "int32" else (-2**63, 2**63 - 1)
                if not lo <= iv <= hi:
                    raise SchemaError("out of range")
                return iv
            if k == "float64":
                neg = False
                if t.kind == "punct" and t.value == "-":
                    self.next()
                    neg = True
                t2 = self.next()
                if t2.kind == "ident" and t2.value in ("nan", "inf"):
                    v = float(t2.value)
                elif t2.kind == "num":
                    v = float(t2.value)
                else:
                    raise SchemaError("expected float64 literal")
                return -v if neg else v
            if k == "string":
                return self.expect("string").value
            if k == "bytes":
                return self.expect("bytes").value
            if k == "timestamp":
                t2 = self.next()
                if t2.kind == "num":
                    return int(t2.value)
                if t2.kind == "string":
                    return parse_rfc3339(t2.value)
                raise SchemaError("expected timestamp literal")
        if isinstance(typ, Enum):
            v = self.expect("ident").value
            if v not in typ.symbols:
                raise SchemaError("unknown symbol")
            return v
        if isinstance(typ, Optional):
            if t.kind == "ident" and t.value == "null":
                self.next()
                return None
            return self.literal(typ.item)
        if isinstance(typ, List):
            self.expect("punct", "[")
            out = []
            while not (self.peek().kind == "punct" and self.peek().value == "]"):
                out.append(self.literal(typ.item))
                if self.peek().kind == "punct" and self.peek().value == ",":
                    self.next()
            self.next()
            return out
        if isinstance(typ, Map):
            self.expect("punct", "{")
            out = {}
            while not (self.peek().kind == "punct" and self.peek().value == "}"):
                key = self.expect("string").value
                self.expect("punct", ":")
                out[key] = self.literal(typ.item)
                if self.peek().kind == "punct" and self.peek().value == ",":
                    self.next()
            self.next()
            return out
        if isinstance(typ, Record):
            self.expect("punct", "{")
            out = {}
            while not (self.peek().kind == "punct" and self.peek().value == "}"):
                key = self.expect("ident").value
                self.expect("punct", ":")
                fld = next(f for f in typ.fields if f.name == key)
                out[key] = self.literal(fld.type)
                if self.peek().kind == "punct" and self.peek().value == ",":
                    self.next()
            self.next()
            full = {}
            for f in typ.fields:
                if f.name in out:
                    full[f.name] = out[f.name]
                elif f.default is not NO_DEFAULT:
                    full[f.name] = f.default
                else:
                    raise SchemaError("record literal misses %s" % f.name)
            return full
        raise SchemaError("no literal for this type")


_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(s):
    import datetime
    m = _RFC3339.match(s)
    if not m:
        raise SchemaError("invalid timestamp %r" % s)
    y, mo, d, h, mi, sec, frac, off = m.groups()
    if sec == "60":
        raise SchemaError("leap second")
    micros = 0
    if frac:
        if len(frac) > 6 and set(frac[6:]) != {"0"}:
            raise SchemaError("sub-microsecond fraction")
        micros = int((frac + "000000")[:6])
    dt = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec), tzinfo=datetime.timezone.utc)
    total = (dt - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(microseconds=1)
    total += micros
    if off not in ("Z", "z"):
        sign = 1 if off[0] == "+" else -1
        total -= sign * (int(off[1:3]) * 3600 + int(off[4:6]) * 60) * 1000000
    return total


def parse(text):
    return Parser(text).schema()


# --- section 3: canonical form and fingerprint ----------------------------------------------

def canonical_float(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "-0e0" if math.copysign(1, x) < 0 else "0e0"
    r = repr(x)  # shortest round-trip digits
    sign = ""
    if r.startswith("-"):
        sign, r = "-", r[1:]
    exp = 0
    if "e" in r:
        r, e = r.split("e")
        exp = int(e)
    if "." in r:
        ip, fp = r.split(".")
    else:
        ip, fp = r, ""
    digits = ip + fp
    exp -= len(fp)
    stripped = digits.lstrip("0")
    t = stripped.rstrip("0")
    exp += len(stripped) - len(t)
    return "%s%se%d" % (sign, t, exp)


def canonical_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append("\\u{%x}" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canonical_value(typ, v):
    if isinstance(typ, Prim):
        k = typ.name
        if k == "bool":
            return "true" if v else "false"
        if k in ("int32", "int64", "timestamp"):
            return str(int(v))
        if k == "float64":
            return canonical_float(v)
        if k == "string":
            return canonical_string(v)
        if k == "bytes":
            return 'x"%s"' % bytes(v).hex()
    if isinstance(typ, Enum):
        return v
    if isinstance(typ, Optional):
        return "null" if v is None else canonical_value(typ.item, v)
    if isinstance(typ, List):
        return "[" + ",".join(canonical_value(typ.item, x) for x in v) + "]"
    if isinstance(typ, Map):
        keys = sorted(v, key=lambda k: k.encode("utf-8"))
        return "{" + ",".join("%s:%s" % (canonical_string(k), canonical_value(typ.item, v[k])) for k in keys) + "}"
    if isinstance(typ, Record):
        return "{" + ",".join("%s:%s" % (f.name, canonical_value(f.type, v[f.name])) for f in typ.fields) + "}"
    raise AssertionError(typ)


def canonical_type(typ, seen):
    if isinstance(typ, Prim):
        return typ.name
    if isinstance(typ, Optional):
        return "optional<%s>" % canonical_type(typ.item, seen)
    if isinstance(typ, List):
        return "list<%s>" % canonical_type(typ.item, seen)
    if isinstance(typ, Map):
        return "map<%s>" % canonical_type(typ.item, seen)
    if isinstance(typ, Enum):
        if typ.name in seen:
            return typ.name
        seen.add(typ.name)
        return "enum %s{%s}" % (typ.name, ",".join(typ.symbols))
    if isinstance(typ, Record):
        if typ.name in seen:
            return typ.name
        seen.add(typ.name)
        parts = []
        for f in typ.fields:
            s = "%s:%s" % (f.name, canonical_type(f.type, seen))
            if f.default is not NO_DEFAULT:
                s += "=" + canonical_value(f.type, f.default)
            parts.append(s)
        return "record %s{%s}" % (typ.name, ",".join(parts))
    raise AssertionError(typ)


def canonical(schema_or_text):
    typ = parse(schema_or_text) if isinstance(schema_or_text, str) else schema_or_text
    return canonical_type(typ, set())


EMPTY = 0xC15D213AA4D7A795
_TABLE = []
for _i in range(256):
    _f = _i
    for _ in range(8):
        _f = (_f >> 1) ^ (EMPTY if _f & 1 else 0)
    _TABLE.append(_f)


def crc64_avro(data):
    f = EMPTY
    for b in data:
        f = (f >> 8) ^ _TABLE[(f ^ b) & 0xFF]
    return f


def fingerprint(schema_or_text):
    return crc64_avro(canonical(schema_or_text).encode("utf-8"))


# --- section 4: binary encoding ---------------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return varint(((n << 1) ^ (n >> 63)) & 0xFFFFFFFFFFFFFFFF)


def encode_value(typ, v):
    if isinstance(typ, Prim):
        k = typ.name
        if k == "bool":
            return b"\x01" if v else b"\x00"
        if k in ("int32", "int64", "timestamp"):
            return zigzag(v)
        if k == "float64":
            return struct.pack("<d", v)
        if k == "string":
            b = v.encode("utf-8")
            return varint(len(b)) + b
        if k == "bytes":
            return varint(len(v)) + bytes(v)
    if isinstance(typ, Enum):
        return varint(typ.symbols.index(v))
    if isinstance(typ, Optional):
        return b"\x00" if v is None else b"\x01" + encode_value(typ.item, v)
    if isinstance(typ, List):
        return varint(len(v)) + b"".join(encode_value(typ.item, x) for x in v)
    if isinstance(typ, Map):
        keys = sorted(v, key=lambda k: k.encode("utf-8"))
        return varint(len(v)) + b"".join(encode_value(Prim("string"), k) + encode_value(typ.item, v[k]) for k in keys)
    if isinstance(typ, Record):
        return b"".join(encode_value(f.type, v[f.name]) for f in typ.fields)
    raise AssertionError(typ)


def encode(schema, value):
    return encode_value(schema, value)


def _min_size(typ):
    if isinstance(typ, Prim):
        return 8 if typ.name == "float64" else 1
    if isinstance(typ, Record):
        return sum(_min_size(f.type) for f in typ.fields)
    return 1


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def left(self):
        return len(self.data) - self.pos

    def take(self, n, path):
        if n > self.left():
            raise PayloadError("%s: truncated" % path)
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def varint(self, path):
        result = 0
        for i in range(10):
            b = self.take(1, path)[0]
            if i == 9 and b > 1:
                raise PayloadError("%s: varint overflow" % path)
            result |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                return result
        raise PayloadError("%s: varint overflow" % path)

    def zigzag(self, path):
        u = self.varint(path)
        return (u >> 1) ^ -(u & 1)


def decode_value(typ, r, path):
    if isinstance(typ, Prim):
        k = typ.name
        if k == "bool":
            b = r.take(1, path)[0]
            if b > 1:
                raise PayloadError("%s: invalid bool" % path)
            return b == 1
        if k == "int32":
            v = r.zigzag(path)
            if not -2**31 <= v < 2**31:
                raise PayloadError("%s: value out of range for int32" % path)
            return v
        if k in ("int64", "timestamp"):
            return r.zigzag(path)
        if k == "float64":
            return struct.unpack("<d", r.take(8, path))[0]
        if k in ("string", "bytes"):
            n = r.varint(path)
            if n > r.left():
                raise PayloadError("%s: truncated" % path)
            b = r.take(n, path)
            if k == "bytes":
                return b
            try:
                return b.decode("utf-8")
            except UnicodeDecodeError:
                raise PayloadError("%s: invalid UTF-8" % path)
    if isinstance(typ, Enum):
        i = r.varint(path)
        if i >= len(typ.symbols):
            raise PayloadError("%s: enum index %d out of range" % (path, i))
        return typ.symbols[i]
    if isinstance(typ, Optional):
        b = r.take(1, path)[0]
        if b == 0:
            return None
        if b != 1:
            raise PayloadError("%s: invalid optional marker" % path)
        return decode_value(typ.item, r, path)
    if isinstance(typ, List):
        n = r.varint(path)
        if n > r.left() // _min_size(typ.item):
            raise PayloadError("%s: count %d too large" % (path, n))
        return [decode_value(typ.item, r, "%s[%d]" % (path, i)) for i in range(n)]
    if isinstance(typ, Map):
        n = r.varint(path)
        if n > r.left() // (1 + _min_size(typ.item)):
            raise PayloadError("%s: count %d too large" % (path, n))
        out = {}
        for _ in range(n):
            k = decode_value(Prim("string"), r, path)
            if k in out:
                raise PayloadError("%s: duplicate key %r" % (path, k))
            out[k] = decode_value(typ.item, r, "%s[%r]" % (path, k))
        return out
    if isinstance(typ, Record):
        return {f.name: decode_value(f.type, r, "%s.%s" % (path, f.name)) for f in typ.fields}
    raise AssertionError(typ)


def decode(schema, data):
    r = _Reader(bytes(data))
    v = decode_value(schema, r, schema.name)
    if r.left():
        raise PayloadError("%s: %d trailing bytes" % (schema.name, r.left()))
    return v
