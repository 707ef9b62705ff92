#!/usr/bin/env python3
"""Runs the Tern conformance suite against a ternd binary.

    runner.py [TERND] [-k SUBSTRING] [-v]

TERND defaults to $TERND.  Prints one line per test (PASS, FAIL, SKIP, XFAIL, XPASS), then
`conformance: N passed, N failed, N skipped` (XFAILs are listed separately and do not count
as failures; XPASSes do).  CONFORMANCE_STRICT=1 ignores EXPECTED_FAILURES.
"""

import argparse
import atexit
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from ternconf import broker as brokermod  # noqa: E402
from ternconf import framework  # noqa: E402
import tests  # noqa: E402,F401  (registers every test)

TEST_TIMEOUT = 60.0


def load_expected(path):
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            out[parts[0]] = parts[1] if len(parts) > 1 else ""
    return out


def one_line(s, limit=400):
    s = " ".join(str(s).split())
    return s if len(s) <= limit else s[:limit] + "..."


def run_one(env, t):
    result = {}

    def body():
        try:
            t.fn(env)
            result["status"] = "PASS"
        except framework.Skip as e:
            result["status"] = "SKIP"
            result["reason"] = str(e)
        except BaseException as e:  # noqa: BLE001
            result["status"] = "FAIL"
            result["reason"] = "%s: %s" % (type(e).__name__, e) if not isinstance(e, AssertionError) else str(e)
            result["trace"] = traceback.format_exc()

    th = threading.Thread(target=body, daemon=True, name="test-" + t.name)
    th.start()
    th.join(TEST_TIMEOUT)
    if th.is_alive():
        result = {"status": "FAIL", "reason": "test did not finish within %ds" % TEST_TIMEOUT}
    try:
        env.end_test()
    except Exception:  # noqa: BLE001
        pass
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ternd", nargs="?", default=os.environ.get("TERND"))
    ap.add_argument("-k", dest="filter", action="append", default=[],
                    help="run only tests whose name contains this (repeatable)")
    ap.add_argument("-v", dest="verbose", action="store_true", help="print tracebacks of failures")
    args = ap.parse_args()
    if not args.ternd:
        print("usage: run [path/to/ternd]   (or set TERND)", file=sys.stderr)
        return 2
    binary = os.path.abspath(args.ternd)
    if not os.access(binary, os.X_OK):
        print("not an executable: %s" % binary, file=sys.stderr)
        return 2

    strict = os.environ.get("CONFORMANCE_STRICT") == "1"
    expected = {} if strict else load_expected(os.path.join(HERE, "EXPECTED_FAILURES"))

    tmp_root = tempfile.mkdtemp(prefix="tern-conformance-")
    env = framework.Env(binary, tmp_root)

    def cleanup():
        env.shutdown()
        brokermod.cleanup_all()
        shutil.rmtree(tmp_root, ignore_errors=True)

    atexit.register(cleanup)

    def on_signal(signum, _frame):
        cleanup()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    selected = [t for t in framework.TESTS if not args.filter or any(k in t.name for k in args.filter)]
    unknown = sorted(set(expected) - {t.name for t in framework.TESTS})
    for name in unknown:
        print("WARN  EXPECTED_FAILURES names an unknown test: %s" % name)

    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0, "XFAIL": 0, "XPASS": 0}
    failed = []
    started = time.monotonic()
    for t in selected:
        t0 = time.monotonic()
        r = run_one(env, t)
        status = r["status"]
        reason = r.get("reason") or t.doc
        if t.name in expected:
            if status == "FAIL":
                status = "XFAIL"
                reason = "%s (expected: %s)" % (r.get("reason"), expected[t.name])
            elif status == "PASS":
                status = "XPASS"
                reason = "listed in EXPECTED_FAILURES (%s) but passed" % expected[t.name]
        counts[status] += 1
        if status in ("FAIL", "XPASS"):
            failed.append(t.name)
        print("%-5s %s [%s] %.1fs — %s" % (status, t.name, t.section, time.monotonic() - t0, one_line(reason)),
              flush=True)
        if args.verbose and status == "FAIL" and r.get("trace"):
            print(r["trace"], flush=True)

    elapsed = time.monotonic() - started
    n_failed = counts["FAIL"] + counts["XPASS"]
    if failed:
        print("failed: %s" % " ".join(failed))
    print("conformance: %d passed, %d failed, %d skipped (%d expected failures, %d unexpected passes) in %.0fs"
          % (counts["PASS"], n_failed, counts["SKIP"], counts["XFAIL"], counts["XPASS"], elapsed), flush=True)
    cleanup()
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
