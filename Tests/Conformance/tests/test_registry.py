"""The schema registry (PROTOCOL.md §5.15, §10, §13; SCHEMAS.md §1-§7 as seen on the wire):
register, check, get, list, modes, bind, enforcement on PUBLISH and REQUEST, read-as."""

import re

from ternconf import schema as s
from ternconf import wire as w
from ternconf.framework import test

from .util import expect_error, expect_no, register, unique

E = w.ERROR_CODES
MODE = w.MODE_BY_NAME


def subj(prefix="subj"):
    return unique(prefix)


def reg(conn, subject, definition):
    return conn.registry(w.SCHEMA_REGISTER, subject=subject, definition=definition)


def must_register(conn, subject, definition):
    fr = reg(conn, subject, definition)
    assert fr.type == w.SCHEMA_INFO, "SCHEMA_REGISTER %s refused: %r" % (subject, fr)
    return fr


def set_mode(conn, subject, mode):
    fr = conn.registry(w.SCHEMA_SET_MODE, subject=subject, mode=MODE[mode] if isinstance(mode, str) else mode)
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == 0, fr
    return fr


def check(conn, subject, definition):
    fr = conn.registry(w.SCHEMA_CHECK, subject=subject, definition=definition)
    assert fr.type == w.REGISTRY_RESULT, fr
    return fr


def bind(conn, topic, subject):
    return conn.registry(w.SCHEMA_BIND, topic=topic, subject=subject)


POINT = """/// A point.
record Point {
  x: int32
  y: int32 = 0 // no doc
}"""


# --- §10.1 register ---------------------------------------------------------------------------

@test("§10.1 §5.15 SCHEMAS §3", "registry")
def register_first_version(env):
    """SCHEMA_REGISTER answers SCHEMA_INFO: its op id, the subject, version 1, the CRC-64-AVRO fingerprint of the canonical form, a mode, the text as registered (docs included)."""
    conn = env.connect()
    name = subj()
    info = must_register(conn, name, POINT)
    assert info["subject"] == name and info["ref"][1] == 1, info
    assert info["fingerprint"] == 0x4E21A38618FB8A4E, hex(info["fingerprint"])
    assert info["definition"] == POINT, info["definition"]
    assert info["mode"] in w.MODES


@test("§10.1 SCHEMAS §3", "registry")
def same_canonical_form_is_the_same_version(env):
    """Registering a text with the same canonical form (other spacing, comments, docs) answers the existing version; no version is added."""
    conn = env.connect()
    name = subj()
    first = must_register(conn, name, POINT)
    again = must_register(conn, name, "record Point{x:int32,y:int32=0}")
    again2 = must_register(conn, name, "record   Point /* c */ { x : int32 ; y : int32 = 0 ; }")
    assert again["ref"] == again2["ref"] == first["ref"], (first, again, again2)
    assert again["fingerprint"] == first["fingerprint"]
    lst = conn.registry(w.SCHEMA_LIST, subject=name)
    assert lst.type == w.SCHEMA_LIST_RESULT and lst["entries"][0]["versions"] == [1], lst


@test("§10.1", "registry")
def versions_number_from_one_under_one_subject_id(env):
    """A subject's versions are numbered 1, 2, 3 under one subject id; other subjects get other ids."""
    conn = env.connect()
    name = subj()
    set_id = None
    for v, text in enumerate(["record R{a:int32}", "record R{a:int32,b:string=\"x\"}",
                              "record R{a:int32,b:string=\"x\",c:bool=true}"], start=1):
        info = must_register(conn, name, text)
        assert info["ref"][1] == v, info
        set_id = set_id or info["ref"][0]
        assert info["ref"][0] == set_id
    other = must_register(conn, subj(), "record R{a:int32}")
    assert other["ref"][0] != set_id and other["ref"][1] == 1


# Valid schemas (SCHEMAS.md §1, §2) and the canonical form we compute for each (§3).
VALID_SCHEMAS = {
    "point": POINT,
    "order_example": open(__file__.replace("test_registry.py", "test_schema_offline.py")).read()
    .split('ORDER = """')[1].split('"""')[0],
    "sample_example": open(__file__.replace("test_registry.py", "test_schema_offline.py")).read()
    .split('SAMPLE = """')[1].split('"""')[0],
    "reserved_words_as_field_names": "record R { record: int32, map: string, true: bool, null: optional<int32> = null }",
    "semicolons_and_no_separators": "record R { a: int32; b: string c: bool = false, }",
    "named_type_reuse": "record R { a: record P { x: int32 }, b: P, e: enum E { u, v } = v, f: list<E> = [u, v] }",
    "all_default_kinds": 'record D { b: bool = true, i: int32 = -7, l: int64 = 9007199254740993, '
                         'f: float64 = 1.5e3, n: float64 = nan, ni: float64 = -inf, z: float64 = -0.0, '
                         's: string = "q\\"\\\\\\n\\t\\u{1}\\u{7f}é", by: bytes = x"00FFaa", '
                         't: timestamp = "2024-05-01T12:30:00.25+02:00", t2: timestamp = 0, '
                         'o: optional<string> = "x", li: list<int32> = [1, 2, 3], '
                         'm: map<int64> = { "b": 2, "a": 1, "é": 3 }, '
                         'r: record In { p: int32 = 4, q: string } = { q: "w" } }',
    "doc_comments_everywhere": "/// top\n/// two lines\nrecord R {\n  /// field doc\n  a: int32\n  /// enum doc\n"
                               "  e: enum K { a, b }\n}",
    "float_defaults": "record F { a: float64 = 0.1, b: float64 = -1500, c: float64 = 123.456, d: float64 = 1e-7, "
                      "e: float64 = 100, g: float64 = 1.7976931348623157e308 }",
    "nested_optional_list_map": "record N { a: optional<list<map<optional<string>>>> = null, b: map<list<bytes>> = {} }",
    "timestamp_offsets": 'record T { a: timestamp = "1970-01-01 00:00:00Z", b: timestamp = "1969-12-31T23:59:59.999999-00:30", '
                         'c: timestamp = "2024-02-29t10:00:00.123456000z" }',
}


def _valid_schema_test(text):
    def fn(env):
        conn = env.connect()
        want = s.fingerprint(text)
        info = must_register(conn, subj(), text)
        assert info["fingerprint"] == want, "fingerprint 0x%016x, expected 0x%016x of %s" % (
            info["fingerprint"], want, s.canonical(text))
        assert info["definition"] == text
    return fn


for _n, _t in VALID_SCHEMAS.items():
    s.canonical(_t)   # our own parser must accept it
    register("SCHEMAS §1 §2 §3 §10.1", "schema_text", "valid_" + _n,
             "A valid schema (%s) is registered and SCHEMA_INFO's fingerprint is CRC-64-AVRO of its canonical form." % _n,
             _valid_schema_test(_t))


INVALID_SCHEMAS = {
    "syntax_error": "record R { a int32 }",
    "not_a_record": "enum E { a, b }",
    "unknown_type": "record R { a: int }",
    "duplicate_field": "record R { a: int32, a: string }",
    "empty_record": "record R { }",
    "empty_enum": "record R { e: enum E { } }",
    "duplicate_symbol": "record R { e: enum E { a, a } }",
    "reserved_record_name": "record map { a: int32 }",
    "reserved_symbol": "record R { e: enum E { a, null } }",
    "optional_of_optional": "record R { a: optional<optional<int32>> }",
    "use_before_definition": "record R { a: P, b: record P { x: int32 } }",
    "recursion": "record R { a: optional<R> }",
    "second_different_definition": "record R { a: record P { x: int32 }, b: record P { y: int32 } }",
    "default_wrong_type": "record R { a: int32 = \"one\" }",
    "int32_default_out_of_range": "record R { a: int32 = 2147483648 }",
    "enum_default_unknown_symbol": "record R { e: enum E { a, b } = c }",
    "leap_second_default": "record R { t: timestamp = \"2016-12-31T23:59:60Z\" }",
    "sub_microsecond_default": "record R { t: timestamp = \"2024-01-01T00:00:00.1234567Z\" }",
    "odd_hex_bytes": "record R { b: bytes = x\"abc\" }",
    "trailing_garbage": "record R { a: int32 } extra",
    "unterminated_comment": "record R { a: int32 } /* no end",
    "too_deep": "record R { a: " + "list<" * 40 + "int32" + ">" * 40 + " }",
    "record_literal_missing_field": "record R { r: record In { p: int32 } = { } }",
    "bad_identifier": "record 1R { a: int32 }",
}


def _invalid_schema_test(text, op):
    def fn(env):
        conn = env.connect()
        fr = conn.registry(op, subject=subj(), definition=text)
        assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["invalid_schema"], fr
        assert fr["message"], "invalid_schema without a message"
    return fn


for _n, _t in INVALID_SCHEMAS.items():
    try:
        s.canonical(_t)
        raise RuntimeError("our own parser accepts the invalid schema %s" % _n)
    except s.SchemaError:
        pass
    except RecursionError:
        pass
    register("SCHEMAS §1 §2 §10.1", "schema_text", "invalid_" + _n,
             "SCHEMA_REGISTER of an invalid schema (%s) gets REGISTRY_RESULT invalid_schema with a message." % _n,
             _invalid_schema_test(_t, w.SCHEMA_REGISTER))

register("§10.1", "schema_text", "check_invalid_schema",
         "SCHEMA_CHECK of an invalid schema gets REGISTRY_RESULT invalid_schema.",
         _invalid_schema_test("record R { a: nope }", w.SCHEMA_CHECK))


@test("SCHEMAS §2.1", "schema_text")
def error_reports_line_and_column(env):
    """Schema errors report the 1-based line and column: an unknown type on line 3, column 6."""
    conn = env.connect()
    fr = reg(conn, subj(), "record R {\n  a: int32\n  b: nope\n}")
    assert fr["code"] == E["invalid_schema"]
    assert re.search(r"\b3:6\b", fr["message"]), fr["message"]


@test("§13 §10.1", "registry")
def schema_info_too_large_is_invalid_schema(env):
    """A schema whose SCHEMA_INFO would not fit in the max frame length (8192) is refused with invalid_schema."""
    conn = env.connect("tight")
    mf = conn.welcome["max_frame"]
    name = "big"
    head = "record R { a: int32 }\n//"
    # SCHEMA_REGISTER: 2 + 8 + (2+len(subject)) + (4+len(def)); SCHEMA_INFO adds 8 + 8 + 1 bytes.
    dlen = mf - 2 - 8 - 2 - len(name) - 4
    text = head + "x" * (dlen - len(head))
    assert len(w.encode(w.SCHEMA_REGISTER, op=1, subject=name, definition=text)) - 4 == mf
    fr = reg(conn, name, text)
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["invalid_schema"], fr
    ok = head + "x" * (dlen - len(head) - 17)
    assert must_register(conn, name, ok)["ref"][1] == 1


@test("§13 §10.1", "registry")
def schema_list_too_large_is_internal_error(env):
    """A SCHEMA_LIST whose result would not fit in the max frame length (8192) is answered with REGISTRY_RESULT internal_error."""
    conn = env.connect("tight")
    prefix = unique("list")
    for i in range(180):
        conn.send_frame(w.SCHEMA_REGISTER, op=10000 + i, subject="%s_%s_%03d" % (prefix, "n" * 20, i),
                        definition="record R{a:int32}")
    for i in range(180):
        fr = conn.expect(lambda f: f.get("op") == 10000 + i, 10, "answer %d" % i)
        assert fr.type == w.SCHEMA_INFO, fr
    fr = conn.registry(w.SCHEMA_LIST, subject="")
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["internal_error"], fr
    one = conn.registry(w.SCHEMA_LIST, subject="%s_%s_%03d" % (prefix, "n" * 20, 7))
    assert one.type == w.SCHEMA_LIST_RESULT and len(one["entries"]) == 1, one


# --- §10.1 get, list, modes ------------------------------------------------------------------------

@test("§10.1 §5.15", "registry")
def get_latest_and_by_version(env):
    """SCHEMA_GET version 0 answers the latest version; version n answers that version."""
    conn = env.connect()
    name = subj()
    v1 = must_register(conn, name, "record R{a:int32}")
    v2 = must_register(conn, name, "record R{a:int32,b:int64=5}")
    latest = conn.registry(w.SCHEMA_GET, subject=name, version=0)
    assert latest.type == w.SCHEMA_INFO and latest["ref"] == v2["ref"] and latest["definition"] == v2["definition"], latest
    first = conn.registry(w.SCHEMA_GET, subject=name, version=1)
    assert first.type == w.SCHEMA_INFO and first["ref"] == v1["ref"], first
    assert first["fingerprint"] == s.fingerprint("record R{a:int32}")
    assert first["subject"] == name


@test("§10.1 §14", "registry")
def get_unknown_subject_and_version(env):
    """SCHEMA_GET of an unknown subject is unknown_subject; of a missing version, unknown_version."""
    conn = env.connect()
    fr = conn.registry(w.SCHEMA_GET, subject=subj("nosuch"), version=0)
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["unknown_subject"], fr
    name = subj()
    must_register(conn, name, "record R{a:int32}")
    fr = conn.registry(w.SCHEMA_GET, subject=name, version=2)
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["unknown_version"], fr


@test("§10.1 §5.15", "registry")
def list_subjects(env):
    """SCHEMA_LIST with an empty subject lists every subject with its id, mode and versions ascending; with a subject, only that one."""
    conn = env.connect()
    a, b = subj("la"), subj("lb")
    ia = must_register(conn, a, "record R{a:int32}")
    must_register(conn, a, "record R{a:int32,b:bool=true}")
    ib = must_register(conn, b, "record S{x:string}")
    set_mode(conn, b, "NONE")
    lst = conn.registry(w.SCHEMA_LIST, subject="")
    assert lst.type == w.SCHEMA_LIST_RESULT, lst
    by = {e["subject"]: e for e in lst["entries"]}
    assert by[a]["subject_id"] == ia["ref"][0] and by[a]["versions"] == [1, 2], by[a]
    assert by[b]["subject_id"] == ib["ref"][0] and by[b]["versions"] == [1] and by[b]["mode"] == 0, by[b]
    one = conn.registry(w.SCHEMA_LIST, subject=a)
    assert one.type == w.SCHEMA_LIST_RESULT and [e["subject"] for e in one["entries"]] == [a], one


@test("§10.1 §14", "registry")
def list_unknown_subject(env):
    """SCHEMA_LIST naming an unknown subject is unknown_subject."""
    conn = env.connect()
    fr = conn.registry(w.SCHEMA_LIST, subject=subj("nosuch"))
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["unknown_subject"], fr


@test("§10.1 §5.15", "registry")
def set_mode_is_reported(env):
    """SCHEMA_SET_MODE answers code 0 for every mode 0-6; SCHEMA_GET and SCHEMA_LIST then show the mode."""
    conn = env.connect()
    name = subj()
    must_register(conn, name, "record R{a:int32}")
    for mode in range(7):
        set_mode(conn, name, mode)
        info = conn.registry(w.SCHEMA_GET, subject=name, version=0)
        assert info["mode"] == mode, info
        lst = conn.registry(w.SCHEMA_LIST, subject=name)
        assert lst["entries"][0]["mode"] == mode, lst


@test("§10.1 §14", "registry")
def set_mode_unknown_subject(env):
    """SCHEMA_SET_MODE of an unknown subject is unknown_subject."""
    conn = env.connect()
    fr = conn.registry(w.SCHEMA_SET_MODE, subject=subj("nosuch"), mode=1)
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["unknown_subject"], fr


@test("§10.1", "registry")
def every_operation_answered_once_by_id(env):
    """Pipelined registry operations are each answered by exactly one frame carrying their operation id."""
    conn = env.connect()
    name = subj()
    ops = [
        w.encode(w.SCHEMA_REGISTER, op=101, subject=name, definition="record R{a:int32}"),
        w.encode(w.SCHEMA_GET, op=102, subject=name, version=0),
        w.encode(w.SCHEMA_LIST, op=103, subject=name),
        w.encode(w.SCHEMA_SET_MODE, op=104, subject=name, mode=3),
        w.encode(w.SCHEMA_CHECK, op=105, subject=name, definition="record R{a:int32}"),
        w.encode(w.SCHEMA_BIND, op=106, topic=unique(), subject=name),
        w.encode(w.SCHEMA_GET, op=107, subject=name, version=9),
        w.encode(w.SCHEMA_REGISTER, op=0xFFFFFFFFFFFFFFFF, subject=name, definition="record R{a:int32}"),
    ]
    conn.send(b"".join(ops))
    conn.flush()
    expect_no(conn, lambda f: False, settle=0.2)
    answers = [f for f in conn.log if f.type in (w.SCHEMA_INFO, w.SCHEMA_LIST_RESULT, w.REGISTRY_RESULT)]
    ids = sorted(f["op"] for f in answers)
    assert ids == [101, 102, 103, 104, 105, 106, 107, 0xFFFFFFFFFFFFFFFF], answers
    kinds = {f["op"]: f.type for f in answers}
    assert kinds[101] == w.SCHEMA_INFO and kinds[102] == w.SCHEMA_INFO and kinds[103] == w.SCHEMA_LIST_RESULT
    assert kinds[104] == kinds[105] == kinds[106] == kinds[107] == w.REGISTRY_RESULT


# --- §10.1 check ---------------------------------------------------------------------------------

@test("§10.1", "registry")
def check_registers_nothing(env):
    """SCHEMA_CHECK answers code 0 when the schema would be accepted, and registers nothing."""
    conn = env.connect()
    name = subj()
    must_register(conn, name, "record R{a:int32}")
    fr = check(conn, name, "record R{a:int32,b:string=\"x\"}")
    assert fr["code"] == 0 and fr["message"] == "", fr
    lst = conn.registry(w.SCHEMA_LIST, subject=name)
    assert lst["entries"][0]["versions"] == [1], lst


@test("§10.1 SCHEMAS §7", "registry")
def check_new_subject_is_accepted(env):
    """The first version of a subject is always accepted: SCHEMA_CHECK on a subject with no versions answers code 0 and creates nothing."""
    conn = env.connect()
    name = subj()
    fr = check(conn, name, "record R{a:int32}")
    assert fr["code"] == 0, fr
    fr = conn.registry(w.SCHEMA_LIST, subject=name)
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["unknown_subject"], fr


@test("§10.1 SCHEMAS §7", "registry")
def incompatible_register_names_field_and_rule(env):
    """An incompatible SCHEMA_REGISTER gets incompatible_schema whose message names the field path and the rule; nothing is registered."""
    conn = env.connect()
    name = subj()
    must_register(conn, name, "record Order{id:string}")
    set_mode(conn, name, "BACKWARD")
    fr = reg(conn, name, "record Order{id:string,quantity:int32}")
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["incompatible_schema"], fr
    assert "Order.quantity" in fr["message"] and "BACKWARD" in fr["message"], fr["message"]
    lst = conn.registry(w.SCHEMA_LIST, subject=name)
    assert lst["entries"][0]["versions"] == [1]


@test("§5.15 §10.1 SCHEMAS §7", "registry")
def incompatible_message_is_one_line_per_rule(env):
    """The incompatible_schema message is one line per offending field and rule (two broken rules: exactly two lines, each naming its field)."""
    conn = env.connect()
    name = subj()
    must_register(conn, name, "record Order{id:string,price:float64}")
    set_mode(conn, name, "BACKWARD")
    fr = check(conn, name, "record Order{id:string,price:int32,quantity:int32}")
    assert fr["code"] == E["incompatible_schema"], fr
    lines = [ln for ln in fr["message"].split("\n") if ln.strip()]
    assert len(lines) == 2 and all(ln.startswith("Order.") for ln in lines), \
        "expected two lines naming Order.price and Order.quantity, got %r" % fr["message"]


# --- SCHEMAS §7: the compatibility table, checked with SCHEMA_CHECK ------------------------------

# (name, previous, new, BACKWARD, FORWARD, FULL)  True = accepted
CHANGES = [
    ("add_field_with_default", "record R{a:int32}", 'record R{a:int32,b:string="x"}', 1, 1, 1),
    ("add_field_without_default", "record R{a:int32}", "record R{a:int32,b:string}", 0, 1, 0),
    ("remove_field_with_default", 'record R{a:int32,b:string="x"}', "record R{a:int32}", 1, 1, 1),
    ("remove_field_without_default", "record R{a:int32,b:string}", "record R{a:int32}", 1, 0, 0),
    ("rename_field_no_defaults", "record R{a:int32,b:string}", "record R{a:int32,c:string}", 0, 0, 0),
    ("rename_field_both_defaults", 'record R{a:int32,b:string="x"}', 'record R{a:int32,c:string="y"}', 1, 1, 1),
    ("reorder_fields", "record R{a:int32,b:string}", "record R{b:string,a:int32}", 1, 1, 1),
    ("change_default", "record R{a:int32=1}", "record R{a:int32=2}", 1, 1, 1),
    ("int32_to_int64", "record R{a:int32}", "record R{a:int64}", 1, 0, 0),
    ("int32_to_float64", "record R{a:int32}", "record R{a:float64}", 1, 0, 0),
    ("int64_to_float64", "record R{a:int64}", "record R{a:float64}", 1, 0, 0),
    ("int64_to_int32", "record R{a:int64}", "record R{a:int32}", 0, 1, 0),
    ("float64_to_int32", "record R{a:float64}", "record R{a:int32}", 0, 1, 0),
    ("string_to_int32", "record R{a:string}", "record R{a:int32}", 0, 0, 0),
    ("timestamp_to_int64", "record R{a:timestamp}", "record R{a:int64}", 0, 0, 0),
    ("list_to_map", "record R{a:list<int32>}", "record R{a:map<int32>}", 0, 0, 0),
    ("add_enum_symbol", "record R{s:enum E{x,y}}", "record R{s:enum E{x,y,z}}", 1, 0, 0),
    ("remove_enum_symbol", "record R{s:enum E{x,y,z}}", "record R{s:enum E{x,y}}", 0, 1, 0),
    ("reorder_enum_symbols", "record R{s:enum E{x,y}}", "record R{s:enum E{y,x}}", 1, 1, 1),
    ("rename_enum", "record R{s:enum E{x,y}}", "record R{s:enum F{x,y}}", 0, 0, 0),
    ("rename_nested_record", "record R{n:record N{a:int32}}", "record R{n:record M{a:int32}}", 0, 0, 0),
    ("rename_top_record", "record R{a:int32}", "record Q{a:int32}", 0, 0, 0),
    ("t_to_optional", "record R{a:string}", "record R{a:optional<string>}", 1, 0, 0),
    ("optional_to_t", "record R{a:optional<string>}", "record R{a:string}", 0, 1, 0),
    ("optional_int32_to_optional_int64", "record R{a:optional<int32>}", "record R{a:optional<int64>}", 1, 0, 0),
    ("nested_add_field_with_default", "record R{n:record N{a:int32}}", "record R{n:record N{a:int32,b:int32=0}}", 1, 1, 1),
    ("nested_add_field_without_default", "record R{n:record N{a:int32}}", "record R{n:record N{a:int32,b:int32}}", 0, 1, 0),
    ("nested_remove_field_without_default", "record R{n:record N{a:int32,b:int32}}", "record R{n:record N{a:int32}}", 1, 0, 0),
    ("list_int32_to_list_int64", "record R{a:list<int32>}", "record R{a:list<int64>}", 1, 0, 0),
    ("map_string_to_map_bool", "record R{a:map<string>}", "record R{a:map<bool>}", 0, 0, 0),
    ("map_int32_to_map_float64", "record R{a:map<int32>}", "record R{a:map<float64>}", 1, 0, 0),
]


def _compat_test(prev, new, mode, accepted):
    def fn(env):
        conn = env.connect()
        name = subj("c")
        must_register(conn, name, prev)
        set_mode(conn, name, mode)
        fr = check(conn, name, new)
        want = 0 if accepted else E["incompatible_schema"]
        assert fr["code"] == want, "%s -> %s under %s: %s, expected %s (%s)" % (
            prev, new, mode, w.code_name(fr["code"]), w.code_name(want), fr["message"])
        if not accepted:
            assert fr["message"], "incompatible_schema without a message"
    return fn


for _n, _prev, _new, _b, _f, _full in CHANGES:
    for _mode, _acc in (("BACKWARD", _b), ("FORWARD", _f), ("FULL", _full)):
        register("SCHEMAS §6 §7 §10.1", "compat", "%s_%s" % (_n, _mode.lower()),
                 "%s under %s is %s (SCHEMA_CHECK)." % (_n.replace("_", " "), _mode, "accepted" if _acc else "refused"),
                 _compat_test(_prev, _new, _mode, bool(_acc)))
    register("SCHEMAS §7 §10.1", "compat", "%s_none" % _n,
             "%s under NONE is accepted (SCHEMA_CHECK)." % _n.replace("_", " "),
             _compat_test(_prev, _new, "NONE", True))


def _transitive_test(versions, candidate, mode, accepted):
    def fn(env):
        conn = env.connect()
        name = subj("tr")
        must_register(conn, name, versions[0])
        set_mode(conn, name, "NONE")
        for v in versions[1:]:
            must_register(conn, name, v)
        set_mode(conn, name, mode)
        fr = check(conn, name, candidate)
        want = 0 if accepted else E["incompatible_schema"]
        assert fr["code"] == want, "under %s: %s, expected %s (%s)" % (mode, w.code_name(fr["code"]), w.code_name(want),
                                                                        fr["message"])
    return fn


_BT = (["record R{a:int32}", 'record R{a:int32,b:string="x"}'], "record R{a:int32,b:string}")
_FT = (["record R{a:int32,b:string}", 'record R{a:int32,b:string="x"}'], "record R{a:int32}")
for _mode, (_vs, _cand), _acc in (
        ("BACKWARD", _BT, True), ("BACKWARD_TRANSITIVE", _BT, False), ("FULL_TRANSITIVE", _BT, False),
        ("FORWARD", _FT, True), ("FORWARD_TRANSITIVE", _FT, False), ("FULL_TRANSITIVE", _FT, False),
        ("FULL", _FT, True)):
    register("SCHEMAS §7 §5.15", "compat", "transitive_%s_%s" % ("bt" if _vs is _BT[0] else "ft", _mode.lower()),
             "Three versions (%s example): the candidate is %s under %s." % (
                 "SCHEMAS §7 backward" if _vs is _BT[0] else "forward", "accepted" if _acc else "refused", _mode),
             _transitive_test(_vs, _cand, _mode, _acc))


@test("SCHEMAS §7", "compat")
def full_transitive_accepts_defaults_only_change(env):
    """FULL_TRANSITIVE accepts a version that only adds a field with a default to every earlier version."""
    _transitive_test(["record R{a:int32}", 'record R{a:int32,b:string="x"}'],
                     'record R{a:int32,b:string="x",c:int64=0}', "FULL_TRANSITIVE", True)(env)


@test("SCHEMAS §7 §10.1", "compat")
def register_enforces_mode(env):
    """SCHEMA_REGISTER applies the subject's mode like SCHEMA_CHECK: refused under FULL, accepted after SCHEMA_SET_MODE NONE."""
    conn = env.connect()
    name = subj()
    must_register(conn, name, "record R{a:int32}")
    set_mode(conn, name, "FULL")
    fr = reg(conn, name, "record R{a:int64}")
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["incompatible_schema"], fr
    set_mode(conn, name, "NONE")
    assert must_register(conn, name, "record R{a:string}")["ref"][1] == 2


# --- §10.1 bind and §10.2 enforcement --------------------------------------------------------------

@test("§10.1 §14", "bind")
def bind_results(env):
    """SCHEMA_BIND answers 0; a wildcard or invalid topic is invalid_topic; an unknown subject is unknown_subject; an empty subject unbinds (0)."""
    conn = env.connect()
    name = subj()
    must_register(conn, name, "record R{a:int32}")
    topic = unique()
    assert bind(conn, topic, name)["code"] == 0
    for bad in (topic + ".*", topic + ".>", "", "a..b"):
        fr = bind(conn, bad, name)
        assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["invalid_topic"], (bad, fr)
    fr = bind(conn, unique(), subj("nosuch"))
    assert fr["code"] == E["unknown_subject"], fr
    assert bind(conn, topic, "")["code"] == 0


R_DEF = "record R{a:int32,s:string}"
R = s.parse(R_DEF)


def _bound(env, name="main"):
    conn = env.connect(name)
    sname = subj("b")
    info = must_register(conn, sname, R_DEF)
    other_name = subj("o")
    other = must_register(conn, other_name, R_DEF)
    conn.other_subject = other_name
    topic = unique("bound")
    assert bind(conn, topic, sname)["code"] == 0
    conn.subscribe(1, topic)
    return conn, info["ref"], other["ref"], topic


@test("§10.2 §7", "bind")
def bound_topic_accepts_conforming_payload(env):
    """On a bound topic, a PUBLISH tagged with the subject's version and a conforming payload is accepted and delivered with its reference."""
    conn, ref, _, topic = _bound(env)
    payload = s.encode(R, {"a": -5, "s": "hé"})
    a = conn.publish_acked(topic, payload, schema=ref)
    assert a["code"] == 0, a
    m = conn.expect_type(w.MESSAGE)
    assert m["schema"] == ref and m["payload"] == payload, m


def _enforce_test(kind, code):
    def fn(env):
        conn, ref, other, topic = _bound(env)
        good = s.encode(R, {"a": 1, "s": "x"})
        if kind == "no_reference":
            kw = dict(payload=good)
        elif kind == "other_subject":
            kw = dict(payload=good, schema=other)
        elif kind == "unknown_version":
            kw = dict(payload=good, schema=(ref[0], 99))
        elif kind == "unknown_subject_id":
            kw = dict(payload=good, schema=(0xFFFFFFF0, 1))
        else:
            kw = dict(payload=good + b"\x00", schema=ref)
        a = conn.publish_acked(topic, **kw)
        assert a["code"] == E[code], a
        assert a["message"], "refusal without a message"
        conn.publish(topic, **kw)
        expect_error(conn, code, subject=w.SUBJECT_PUBLISH, id=0, close=False)
        expect_no(conn, lambda f: f.type == w.MESSAGE, what="delivery of a refused PUBLISH")
    return fn


for _kind, _code in (("no_reference", "schema_required"), ("other_subject", "schema_mismatch"),
                     ("unknown_version", "schema_mismatch"), ("unknown_subject_id", "schema_mismatch"),
                     ("bad_payload", "invalid_payload")):
    register("§10.2 §7 §14", "bind", "publish_%s_is_%s" % (_kind, _code),
             "A PUBLISH on a bound topic with %s is refused with %s (ACK, or ERROR subject publish without ACK)." % (
                 _kind.replace("_", " "), _code), _enforce_test(_kind, _code))


def _enforce_request_test(kind, code):
    def fn(env):
        conn, ref, other, topic = _bound(env)
        conn.subscribe(2, topic, responder=True)
        good = s.encode(R, {"a": 1, "s": "x"})
        kw = {"no_reference": dict(payload=good), "other_subject": dict(payload=good, schema=other),
              "unknown_version": dict(payload=good, schema=(ref[0], 42)),
              "bad_payload": dict(payload=b"\x02\x05abc", schema=ref)}[kind]
        rep = conn.request(topic, timeout_ms=1000, **kw)
        assert rep["code"] == E[code], rep
        expect_no(conn, lambda f: f.type == w.INCOMING_REQUEST, what="INCOMING_REQUEST of a refused REQUEST")
    return fn


for _kind, _code in (("no_reference", "schema_required"), ("other_subject", "schema_mismatch"),
                     ("unknown_version", "schema_mismatch"), ("bad_payload", "invalid_payload")):
    register("§10.2 §8 §14", "bind", "request_%s_is_%s" % (_kind, _code),
             "A REQUEST on a bound topic with %s gets REPLY %s." % (_kind.replace("_", " "), _code),
             _enforce_request_test(_kind, _code))


@test("§10.2 §8", "bind")
def request_on_bound_topic_conforming(env):
    """A conforming, tagged REQUEST on a bound topic reaches the responder with its reference."""
    conn, ref, _, topic = _bound(env)
    conn.subscribe(2, topic, responder=True)
    payload = s.encode(R, {"a": 7, "s": ""})
    rid = conn.request(topic, payload, schema=ref, wait=None)
    inc = conn.expect_type(w.INCOMING_REQUEST)
    assert inc["schema"] == ref and inc["payload"] == payload
    conn.send_frame(w.REPLY, request_id=inc["request_id"], code=0, payload=b"ok")
    assert conn.expect_type(w.REPLY, lambda f: f["request_id"] == rid)["code"] == 0


@test("§10.2", "bind")
def binding_is_exact_topic_and_unbind_lifts_it(env):
    """A binding holds for exactly its topic (not sub-topics); after unbinding, untagged publishes pass again."""
    conn, ref, _, topic = _bound(env)
    assert conn.publish_acked(topic, b"raw")["code"] == E["schema_required"]
    conn.subscribe(2, topic + ".sub")
    assert conn.publish_acked(topic + ".sub", b"raw")["code"] == 0
    assert bind(conn, topic, "")["code"] == 0
    assert conn.publish_acked(topic, b"raw")["code"] == 0
    conn.expect_type(w.MESSAGE, lambda f: f["sub_id"] == 1)


@test("§10.2", "bind")
def rebinding_moves_the_topic(env):
    """Binding a bound topic to another subject makes the new subject's references the valid ones."""
    conn, ref, other, topic = _bound(env)
    good = s.encode(R, {"a": 1, "s": "x"})
    assert bind(conn, topic, conn.other_subject)["code"] == 0
    assert conn.publish_acked(topic, good, schema=other)["code"] == 0
    assert conn.publish_acked(topic, good, schema=ref)["code"] == E["schema_mismatch"]


# --- SCHEMAS §4 payload validation on a bound topic ---------------------------------------------------

SAMPLE_DEF = open(__file__.replace("test_registry.py", "test_schema_offline.py")).read().split('SAMPLE = """')[1].split('"""')[0]
SAMPLE = s.parse(SAMPLE_DEF)
GOOD = bytes.fromhex("05 03 68 c3 a9 01 00 00 00 00 00 00 f8 3f 80 80 89 82 e2 f5 86 06 01 01 01 78 02 de ad "
                     "02 01 61 02 01 62 01 00".replace(" ", ""))


def _sample(**changes):
    """The Sample payload with parts replaced: keys are field names, values raw bytes."""
    parts = [("id", "05"), ("name", "03 68 c3 a9"), ("ok", "01"), ("ratio", "00 00 00 00 00 00 f8 3f"),
             ("at", "80 80 89 82 e2 f5 86 06"), ("level", "01"), ("note", "01 01 78"), ("raw", "02 de ad"),
             ("counts", "02 01 61 02 01 62 01"), ("tags", "00")]
    out = b""
    for k, v in parts:
        out += changes[k] if k in changes else bytes.fromhex(v.replace(" ", ""))
    return out


assert _sample() == GOOD

PAYLOADS = {
    # name: (payload, accepted)
    "golden_sample": (GOOD, True),
    "overlong_varint_accepted": (_sample(id=bytes.fromhex("8500")), True),
    "map_keys_unordered_accepted": (_sample(counts=bytes.fromhex("02 01 62 01 01 61 02".replace(" ", ""))), True),
    "ten_byte_varint_accepted": (_sample(id=bytes.fromhex("ffffffffffffffffff01")), True),
    "empty_strings_and_lists": (_sample(name=b"\x00", note=b"\x00", raw=b"\x00", counts=b"\x00"), True),
    "trailing_byte": (GOOD + b"\x00", False),
    "truncated": (GOOD[:-1], False),
    "empty": (b"", False),
    "bool_2": (_sample(ok=b"\x02"), False),
    "enum_index_out_of_range": (_sample(level=b"\x07"), False),
    "invalid_utf8_string": (_sample(name=bytes.fromhex("02 c3 28".replace(" ", ""))), False),
    "overlong_utf8_string": (_sample(name=bytes.fromhex("02 c0 af".replace(" ", ""))), False),
    "surrogate_in_string": (_sample(name=bytes.fromhex("03 ed a0 80".replace(" ", ""))), False),
    "invalid_utf8_map_key": (_sample(counts=bytes.fromhex("01 01 ff 02".replace(" ", ""))), False),
    "invalid_utf8_list_item": (_sample(tags=bytes.fromhex("02 01 61 01 ff".replace(" ", ""))), False),
    "optional_marker_2": (_sample(note=b"\x02\x01x"), False),
    "int32_out_of_range": (_sample(counts=b"\x01\x01a" + s.zigzag(2 ** 31)), False),
    "varint_overflow_10th_byte": (_sample(id=bytes.fromhex("ffffffffffffffffff02")), False),
    "varint_eleven_bytes": (_sample(id=bytes.fromhex("8080808080808080808000")), False),
    "duplicate_map_keys": (_sample(counts=bytes.fromhex("02 01 61 02 01 61 04".replace(" ", ""))), False),
    "hostile_list_count": (_sample(tags=bytes.fromhex("ffffffff0f")), False),
    "hostile_string_length": (_sample(name=bytes.fromhex("ffffffff0f 68")), False),
    "hostile_map_count": (_sample(counts=bytes.fromhex("ffffff7f"), tags=b""), False),
    "string_length_past_end": (_sample(raw=bytes.fromhex("05 de ad"), counts=b"", tags=b""), False),
}


def _payload_test(payload, accepted):
    def fn(env):
        conn = env.connect()
        name = subj("sample")
        info = must_register(conn, name, SAMPLE_DEF)
        topic = unique("sample")
        assert bind(conn, topic, name)["code"] == 0
        a = conn.publish_acked(topic, payload, schema=info["ref"])
        want = 0 if accepted else E["invalid_payload"]
        assert a["code"] == want, "payload %s: ACK %s, expected %s (%s)" % (payload.hex(), w.code_name(a["code"]),
                                                                           w.code_name(want), a["message"])
    return fn


for _n, (_p, _acc) in PAYLOADS.items():
    if _acc:
        s.decode(SAMPLE, _p)
    else:
        try:
            s.decode(SAMPLE, _p)
            raise RuntimeError("our decoder accepts the invalid payload " + _n)
        except s.PayloadError:
            pass
    register("SCHEMAS §4 §10.2", "payloads", _n,
             "A Sample payload (%s) on a bound topic is %s." % (_n.replace("_", " "),
                                                               "accepted" if _acc else "refused with invalid_payload"),
             _payload_test(_p, _acc))


# --- §10.3 read-as ----------------------------------------------------------------------------------

def _subject_with(conn, versions, mode="NONE"):
    name = subj("ra")
    infos = [must_register(conn, name, versions[0])]
    set_mode(conn, name, mode)
    for v in versions[1:]:
        infos.append(must_register(conn, name, v))
    return name, [i["ref"] for i in infos]


@test("§10.3 §5.4 §5.6 SCHEMAS §6", "read_as")
def read_as_resolves_to_reader_version(env):
    """A READ_AS subscription receives a payload written with v1 resolved to v2 (promotion, reader default, reader field order) with the v2 reference."""
    conn = env.connect()
    v1 = "record R{a:int32,b:string,gone:bool}"
    v2 = 'record R{b:string,a:int64,c:string="dflt",d:float64=0.5}'
    _, (r1, r2) = _subject_with(conn, [v1, v2])
    topic = unique()
    conn.subscribe(1, topic, read_as=r2)
    conn.subscribe(2, topic)
    written = s.encode(s.parse(v1), {"a": -3, "b": "hé", "gone": True})
    assert conn.publish_acked(topic, written, schema=r1)["code"] == 0
    m = conn.expect_type(w.MESSAGE, lambda f: f["sub_id"] == 1)
    want = s.encode(s.parse(v2), {"b": "hé", "a": -3, "c": "dflt", "d": 0.5})
    assert m["schema"] == r2, m
    assert m["payload"] == want, "resolved %s, expected %s" % (m["payload"].hex(), want.hex())
    plain = conn.expect_type(w.MESSAGE, lambda f: f["sub_id"] == 2)
    assert plain["schema"] == r1 and plain["payload"] == written


@test("§10.3 SCHEMAS §6", "read_as")
def read_as_promotions_and_optionals(env):
    """Resolution: int32→float64, int64→float64, T→optional<T>, enums by symbol name, nested records, lists and maps."""
    conn = env.connect()
    v1 = "record P{i:int32,l:int64,o:string,e:enum E{x,y,z},n:record N{q:int32},li:list<int32>,m:map<int32>}"
    v2 = "record P{i:float64,l:float64,o:optional<string>,e:enum E{z,y,x},n:record N{q:int64},li:list<int64>,m:map<float64>}"
    _, (r1, r2) = _subject_with(conn, [v1, v2])
    topic = unique()
    conn.subscribe(1, topic, read_as=r2)
    val = {"i": 7, "l": -9, "o": "s", "e": "x", "n": {"q": 4}, "li": [1, -1], "m": {"k": 3}}
    conn.publish(topic, s.encode(s.parse(v1), val), schema=r1)
    m = conn.expect_type(w.MESSAGE)
    want = s.encode(s.parse(v2), {"i": 7.0, "l": -9.0, "o": "s", "e": "x", "n": {"q": 4}, "li": [1, -1], "m": {"k": 3.0}})
    assert m["payload"] == want and m["schema"] == r2, (m["payload"].hex(), want.hex())


@test("§10.3", "read_as")
def read_as_same_version_and_untagged(env):
    """Payloads already tagged with the read-as version arrive unchanged; untagged payloads are delivered unchanged, without a reference."""
    conn = env.connect()
    _, (r1, r2) = _subject_with(conn, ["record R{a:int32}", 'record R{a:int32,b:string="x"}'])
    topic = unique()
    conn.subscribe(1, topic, read_as=r2)
    p2 = s.encode(s.parse('record R{a:int32,b:string="x"}'), {"a": 1, "b": "y"})
    conn.publish(topic, p2, schema=r2)
    m = conn.expect_type(w.MESSAGE)
    assert m["schema"] == r2 and m["payload"] == p2
    conn.publish(topic, b"not a schema payload")
    m = conn.expect_type(w.MESSAGE)
    assert m["schema"] is None and m["payload"] == b"not a schema payload" and not m.flags & 0x08, m


def _unreadable_test(make):
    def fn(env):
        conn = env.connect(getattr(make, "broker", "main"))
        topic = unique()
        sub_ref, pubs = make(conn)
        conn.subscribe(4, topic, read_as=sub_ref)
        conn.subscribe(5, topic)
        for payload, ref in pubs:
            assert conn.publish_acked(topic, payload, schema=ref)["code"] == 0
        for _ in pubs:
            conn.expect_type(w.MESSAGE, lambda f: f["sub_id"] == 5)
        total = 0
        while total < len(pubs):
            d = conn.expect_type(w.DROP_NOTICE, lambda f: f["sub_id"] == 4, 3, "DROP_NOTICE unreadable")
            assert d["reason"] == 3, d
            assert d["count"] >= 1
            total += d["count"]
        assert total == len(pubs), "DROP_NOTICE counts add up to %d for %d unreadable messages" % (total, len(pubs))
        expect_no(conn, lambda f: f.type == w.MESSAGE and f["sub_id"] == 4, what="MESSAGE of an unreadable payload")
        expect_no(conn, lambda f: f.type == w.DROP_NOTICE, settle=0.1, what="extra DROP_NOTICE")
    return fn


def _other_subject(conn):
    _, (r1,) = _subject_with(conn, ["record R{a:int32}"])
    _, (o1,) = _subject_with(conn, ["record R{a:int32}"])
    return r1, [(s.encode(s.parse("record R{a:int32}"), {"a": 1}), o1)]


def _enum_symbol_unknown(conn):
    w1, w2 = "record R{s:enum E{x,y,z}}", "record R{s:enum E{x,y}}"
    _, (r1, r2) = _subject_with(conn, [w1, w2])
    return r2, [(s.encode(s.parse(w1), {"s": "z"}), r1), (s.encode(s.parse(w1), {"s": "z"}), r1)]


def _invalid_written_payload(conn):
    _, (r1, r2) = _subject_with(conn, ["record R{a:int32}", "record R{a:int64}"])
    return r2, [(b"\x02\x00", r1)]   # trailing byte: the topic is unbound, so only resolution sees it


def _unknown_writer_version(conn):
    _, (r1, r2) = _subject_with(conn, ["record R{a:int32}", "record R{a:int64}"])
    return r2, [(b"\x02", (r1[0], 77))]


def _reader_cannot_read(conn):
    _, (r1, r2) = _subject_with(conn, ["record R{a:int32}", "record R{a:int32,b:string}"])
    return r2, [(b"\x02", r1)]


def _too_large(conn):
    mx = conn.welcome["max_payload"]
    big = "x" * (mx + 10)
    _, (r1, r2) = _subject_with(conn, ["record R{a:int32}", 'record R{a:int32,pad:string="%s"}' % big])
    return r2, [(b"\x02", r1)]


_too_large.broker = "limits"


def _too_large_for_frame(conn):
    mf = conn.welcome["max_frame"]
    pad = "x" * (mf - 1200)
    v1, v2 = "record R{s:string}", 'record R{s:string,pad:string="%s"}' % pad
    _, (r1, r2) = _subject_with(conn, [v1, v2])
    return r2, [(s.encode(s.parse(v1), {"s": "y" * (conn.welcome["max_payload"] - 10)}), r1)]


_too_large_for_frame.broker = "limits"

def _same_version_invalid(conn):
    _, (r1,) = _subject_with(conn, ["record R{a:int32,b:string}"])
    return r1, [(b"\x02", r1)]   # truncated: b is missing; the topic is unbound, so only the read-as check sees it


for _n, _make in (("other_subject", _other_subject), ("enum_symbol_unknown_to_reader", _enum_symbol_unknown),
                  ("same_version_invalid_payload", _same_version_invalid),
                  ("invalid_written_payload", _invalid_written_payload),
                  ("unknown_writer_version", _unknown_writer_version),
                  ("reader_cannot_read_writer", _reader_cannot_read),
                  ("result_exceeds_max_payload", _too_large),
                  ("result_exceeds_max_frame", _too_large_for_frame)):
    register("§10.3 §9 §5.13", "read_as", "unreadable_" + _n,
             "A message a read-as subscription cannot resolve (%s) is not delivered to it; it gets DROP_NOTICE reason 3 unreadable with the count." % _n.replace("_", " "),
             _unreadable_test(_make))


@test("§10.3", "read_as")
def enum_symbol_known_to_reader_resolves(env):
    """Only values using a symbol the reader lacks fail: other symbols resolve by name."""
    conn = env.connect()
    w1, w2 = "record R{s:enum E{x,y,z}}", "record R{s:enum E{y,x}}"
    _, (r1, r2) = _subject_with(conn, [w1, w2])
    topic = unique()
    conn.subscribe(1, topic, read_as=r2)
    conn.publish(topic, s.encode(s.parse(w1), {"s": "x"}), schema=r1)
    m = conn.expect_type(w.MESSAGE)
    assert m["payload"] == b"\x01" and m["schema"] == r2, m


@test("§10.3 §7 §14", "read_as")
def read_as_unknown_subject_or_version(env):
    """SUBSCRIBE with READ_AS of an unknown subject is unknown_subject, of an unknown version unknown_version (ERROR subject subscription, no CLOSE)."""
    conn = env.connect()
    _, (r1,) = _subject_with(conn, ["record R{a:int32}"])
    conn.send_frame(w.SUBSCRIBE, sub_id=11, pattern=unique(), read_as=(0xFFFFFF00, 1))
    expect_error(conn, "unknown_subject", subject=w.SUBJECT_SUBSCRIPTION, id=11, close=False, timeout=3)
    conn.send_frame(w.SUBSCRIBE, sub_id=12, pattern=unique(), read_as=(r1[0], 5))
    expect_error(conn, "unknown_version", subject=w.SUBJECT_SUBSCRIPTION, id=12, close=False, timeout=3)
    conn.flush()


@test("§10.3 §5.8", "read_as")
def read_as_on_responder(env):
    """A READ_AS responder's INCOMING_REQUEST carries the read-as reference and the resolved payload."""
    conn = env.connect()
    _, (r1, r2) = _subject_with(conn, ["record R{a:int32}", 'record R{a:int64,b:bool=true}'])
    topic = unique()
    conn.subscribe(1, topic, responder=True, read_as=r2)
    rid = conn.request(topic, b"\x06", schema=r1, wait=None)
    inc = conn.expect_type(w.INCOMING_REQUEST)
    assert inc["schema"] == r2 and inc["payload"] == b"\x06\x01", inc
    conn.send_frame(w.REPLY, request_id=inc["request_id"], code=0, payload=b"")
    conn.expect_type(w.REPLY, lambda f: f["request_id"] == rid)


@test("§10.3 §10.2", "read_as")
def read_as_on_bound_topic(env):
    """On a bound topic, a READ_AS subscription to a later version receives every accepted message resolved."""
    conn = env.connect()
    name, (r1, r2) = _subject_with(conn, ["record R{a:int32}", 'record R{a:int32,b:string="n"}'], mode="BACKWARD")
    topic = unique()
    assert bind(conn, topic, name)["code"] == 0
    conn.subscribe(1, topic, read_as=r2)
    for i in range(5):
        assert conn.publish_acked(topic, s.zigzag(i), schema=r1)["code"] == 0
    got = [conn.expect_type(w.MESSAGE)["payload"] for _ in range(5)]
    assert got == [s.zigzag(i) + b"\x01n" for i in range(5)], got


@test("§10.1 SCHEMAS §3", "registry")
def re_registering_an_older_version(env):
    """Registering the canonical form of an older version answers that existing version; no version is added."""
    conn = env.connect()
    name = subj()
    must_register(conn, name, "record R{a:int32}")
    must_register(conn, name, 'record R{a:int32,b:string="x"}')
    again = must_register(conn, name, "record R { a: int32 }")
    assert again["ref"][1] == 1, again
    lst = conn.registry(w.SCHEMA_LIST, subject=name)
    assert lst["entries"][0]["versions"] == [1, 2], lst


@test("§10.2", "bind")
def bound_topic_accepts_every_version_of_its_subject(env):
    """A bound topic accepts payloads tagged with any registered version of its subject, each delivered with its own reference."""
    conn = env.connect()
    name, (r1, r2) = _subject_with(conn, ["record R{a:int32}", 'record R{a:int32,b:string="x"}'], mode="BACKWARD")
    topic = unique()
    assert bind(conn, topic, name)["code"] == 0
    conn.subscribe(1, topic)
    assert conn.publish_acked(topic, b"\x02", schema=r1)["code"] == 0
    assert conn.publish_acked(topic, b"\x02\x01y", schema=r2)["code"] == 0
    assert conn.publish_acked(topic, b"\x02", schema=r2)["code"] == E["invalid_payload"]
    got = [(m["schema"], m["payload"]) for m in (conn.expect_type(w.MESSAGE), conn.expect_type(w.MESSAGE))]
    assert got == [(r1, b"\x02"), (r2, b"\x02\x01y")], got


def _responder_unreadable_test(make, code):
    def fn(env):
        resp = env.connect()
        req = env.connect()
        topic = unique()
        sub_ref, pubs = make(resp)
        resp.subscribe(4, topic, responder=True, read_as=sub_ref)
        payload, ref = pubs[0]
        rep = req.request(topic, payload, schema=ref, timeout_ms=3000)
        assert rep["code"] == E[code], "the requester got %r, expected REPLY %s" % (rep, code)
        assert rep["payload"].decode("utf-8"), "failure REPLY without a message"
        d = resp.expect_type(w.DROP_NOTICE, lambda f: f["sub_id"] == 4, 3, "DROP_NOTICE unreadable")
        assert d["reason"] == 3 and d["count"] == 1, d
        expect_no(resp, lambda f: f.type == w.INCOMING_REQUEST, what="INCOMING_REQUEST of an unreadable request")
    return fn


for _n, _make, _code in (("other_subject", _other_subject, "schema_mismatch"),
                         ("unknown_writer_version", _unknown_writer_version, "schema_mismatch"),
                         ("reader_cannot_read_writer", _reader_cannot_read, "invalid_payload"),
                         ("same_version_invalid_payload", _same_version_invalid, "invalid_payload")):
    register("§10.3 §8", "read_as", "responder_unreadable_" + _n,
             "A request a read-as responder cannot read (%s) is not delivered: the responder gets DROP_NOTICE "
             "unreadable, the requester REPLY %s." % (_n.replace("_", " "), _code),
             _responder_unreadable_test(_make, _code))


@test("§10.1 §14", "registry")
def subject_name_syntax(env):
    """Subject names are 1-255 bytes of visible ASCII: '', 'a b', 'é' and 256 bytes are invalid_subject for SCHEMA_REGISTER and SCHEMA_CHECK; '.', ':' and '-' are fine; lookups of an invalid name are unknown_subject."""
    conn = env.connect()
    definition = "record R{a:int32}"
    for bad in ("", "a b", "caf\u00e9", "x" * 256, "tab\there"):
        for op in (w.SCHEMA_REGISTER, w.SCHEMA_CHECK):
            fr = conn.registry(op, subject=bad, definition=definition)
            assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["invalid_subject"], \
                "%s of subject %r: %r" % (w.TYPE_NAMES[op], bad[:20], fr)
    for good in (unique("com.example:Order-v") + "_x", "y" * 255):
        fr = conn.registry(w.SCHEMA_REGISTER, subject=good, definition=definition)
        assert fr.type == w.SCHEMA_INFO and fr["subject"] == good, fr
    fr = conn.registry(w.SCHEMA_GET, subject="a b", version=0)
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["unknown_subject"], fr
    fr = conn.registry(w.SCHEMA_SET_MODE, subject="", mode=MODE["NONE"])
    assert fr.type == w.REGISTRY_RESULT and fr["code"] == E["unknown_subject"], fr
