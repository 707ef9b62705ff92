"""A tiny test registry and runner environment.

Each test is a function taking an Env, registered with @test(section, group).  Its name is
``group.function_name``; its docstring's first line says what the spec requires.
"""

import threading

from . import broker as b

TESTS = []


class Skip(Exception):
    pass


class Test:
    def __init__(self, name, section, fn, doc):
        self.name, self.section, self.fn, self.doc = name, section, fn, doc


def test(section, group):
    def deco(fn):
        name = "%s.%s" % (group, fn.__name__)
        if any(t.name == name for t in TESTS):
            raise RuntimeError("duplicate test name " + name)
        doc = (fn.__doc__ or "").strip().splitlines()
        TESTS.append(Test(name, section, fn, doc[0].strip() if doc else ""))
        return fn
    return deco


# Broker configurations.  Only flags documented in README.md's `## ternd` section.
CONFIGS = {
    "main": dict(flags=[]),
    "plain": dict(flags=[], tls=False),
    "limits": dict(flags=["--max-frame-size", "8KiB", "--max-payload", "2KiB", "--max-header-bytes", "512",
                          "--max-topic-length", "64", "--max-subscriptions", "16", "--ping-interval", "0"]),
    "tight": dict(flags=["--max-frame-size", "8KiB", "--max-payload", "8191"]),
    "timers": dict(flags=["--handshake-timeout", "1s", "--ping-interval", "1s"]),
    "maxconn": dict(flags=["--max-connections", "1"]),
    "topics": dict(flags=["--max-topics", "2"]),
    "drop_oldest": dict(flags=["--overflow-policy", "drop-oldest", "--mailbox-messages", "16",
                               "--subscriber-queue-messages", "16"]),
    "drop_newest": dict(flags=["--overflow-policy", "drop-newest", "--mailbox-messages", "16",
                               "--subscriber-queue-messages", "16"]),
    "reject": dict(flags=["--overflow-policy", "reject", "--mailbox-messages", "16",
                          "--subscriber-queue-messages", "16", "--slow-consumer-timeout", "1s"]),
    "block": dict(flags=["--overflow-policy", "block", "--mailbox-messages", "16",
                         "--subscriber-queue-messages", "16", "--slow-consumer-timeout", "1s",
                         "--max-frame-size", "8KiB", "--max-pending-bytes", "4MiB"]),
    "pending": dict(flags=["--max-frame-size", "8KiB", "--max-pending-bytes", "1040KiB", "--overflow-policy", "drop-newest"]),
}


class Env:
    def __init__(self, binary, tmp_root):
        self.binary = binary
        self.tmp_root = tmp_root
        self.brokers = {}
        self.lock = threading.Lock()
        self.conns = []
        self.private = []

    def broker(self, name):
        with self.lock:
            br = self.brokers.get(name)
            if br is not None and br.alive():
                return br
            cfg = CONFIGS[name]
            br = b.Broker(self.binary, name, cfg["flags"], cfg.get("tls", True), self.tmp_root)
            br.start()
            self.brokers[name] = br
            return br

    def fresh_broker(self, name, flags=(), tls=True):
        """A broker private to the current test; stopped after it."""
        br = b.Broker(self.binary, name, flags, tls, self.tmp_root)
        br.start()
        self.private.append(br)
        return br

    def connect(self, name="main", **kw):
        br = name if isinstance(name, b.Broker) else self.broker(name)
        conn = br.connect(**kw)
        self.conns.append(conn)
        return conn

    def track(self, conn):
        self.conns.append(conn)
        return conn

    def end_test(self):
        for conn in self.conns:
            conn.close()
        self.conns = []
        for br in self.private:
            br.cleanup()
        self.private = []

    def shutdown(self):
        self.end_test()
        for br in self.brokers.values():
            br.cleanup()
        self.brokers = {}
