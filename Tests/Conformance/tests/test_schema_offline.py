"""SCHEMAS.md's own checks, run against our encoder (no broker): fingerprint check values,
the Point and Order canonical forms and fingerprints, the float64 canonical examples and the
Sample payload of section 4.1."""

from ternconf import schema as s
from ternconf.framework import test

POINT = """/// A point.
record Point {
  x: int32
  y: int32 = 0 // no doc
}"""

ORDER = """/// An order placed by a customer.
record Order {
  id: string
  /// How many items.
  quantity: int32 = 1
  price: float64
  placed: timestamp
  status: enum Status { pending, shipped, delivered } = pending
  note: optional<string> = null
  tags: list<string> = []
  attributes: map<int64> = {}
  customer: record Customer { name: string  email: optional<string> = null }
}"""

SAMPLE = """record Sample {
  id: int64
  name: string
  ok: bool
  ratio: float64
  at: timestamp
  level: enum Level { low, high }
  note: optional<string> = null
  raw: bytes
  counts: map<int32>
  tags: list<string>
}"""

SAMPLE_BYTES = bytes.fromhex(
    "05 03 68 c3 a9 01 00 00 00 00 00 00 f8 3f 80 80 89 82 e2 f5 86 06 01 01 01 78 02 de ad 02 01 61 02 01 62 01 00"
    .replace(" ", ""))

SAMPLE_VALUE = dict(id=-3, name="hé", ok=True, ratio=1.5, at=1704067200000000, level="high", note="x",
                    raw=b"\xde\xad", counts={"a": 1, "b": -1}, tags=[])


@test("SCHEMAS §3", "schema_offline")
def fingerprint_check_values(env):
    """CRC-64-AVRO of the empty input is 0xC15D213AA4D7A795 and of '"int"' is 0x7275D51A3F395C8F."""
    assert s.crc64_avro(b"") == 0xC15D213AA4D7A795
    assert s.crc64_avro(b'"int"') == 0x7275D51A3F395C8F


@test("SCHEMAS §3", "schema_offline")
def point_canonical_form_and_fingerprint(env):
    """The Point example's canonical form is `record Point{x:int32,y:int32=0}` (31 bytes), fingerprint 0x4E21A38618FB8A4E."""
    c = s.canonical(POINT)
    assert c == "record Point{x:int32,y:int32=0}" and len(c.encode()) == 31, c
    assert s.fingerprint(POINT) == 0x4E21A38618FB8A4E


@test("SCHEMAS §2.4 §3", "schema_offline")
def order_fingerprint(env):
    """The Order example of 2.4 has the fingerprint 0x41805771409665EA."""
    assert s.fingerprint(ORDER) == 0x41805771409665EA, hex(s.fingerprint(ORDER))


@test("SCHEMAS §3", "schema_offline")
def float_canonical_examples(env):
    """float64 defaults: 1.0→1e0, 0.1→1e-1, -1500→-15e2, 123.456→123456e-3, zero 0e0/-0e0, nan, inf, -inf."""
    cases = [(1.0, "1e0"), (0.1, "1e-1"), (-1500.0, "-15e2"), (123.456, "123456e-3"), (0.0, "0e0"),
             (-0.0, "-0e0"), (float("inf"), "inf"), (float("-inf"), "-inf"), (float("nan"), "nan")]
    for v, want in cases:
        assert s.canonical_float(v) == want, (v, s.canonical_float(v), want)


@test("SCHEMAS §4.1", "schema_offline")
def sample_payload_encoding(env):
    """The Sample value encodes to the 37 bytes of section 4.1, and those bytes decode to the value."""
    schema = s.parse(SAMPLE)
    assert s.parse_rfc3339("2024-01-01T00:00:00Z") == 1704067200000000
    enc = s.encode(schema, SAMPLE_VALUE)
    assert enc == SAMPLE_BYTES and len(enc) == 37, enc.hex(" ")
    assert s.decode(schema, SAMPLE_BYTES) == SAMPLE_VALUE


@test("SCHEMAS §4", "schema_offline")
def zigzag_and_varint(env):
    """zigzag maps 0, -1, 1, -2, 2 to 0, 1, 2, 3, 4; varints are LEB128."""
    assert [s.zigzag(n) for n in (0, -1, 1, -2, 2)] == [bytes([i]) for i in range(5)]
    assert s.varint(300) == b"\xac\x02"
