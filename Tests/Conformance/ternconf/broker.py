"""Starting and stopping ternd instances on free loopback ports with temporary data dirs.

Uses only what README.md's `## ternd` section documents: --listen, --data-dir, --no-tls
and the limit / overflow flags; the CA that ternd creates at <data-dir>/tls/ca.pem.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from . import client as c
from . import wire as w

HOST = "127.0.0.1"

_all = []
_all_lock = threading.Lock()


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Broker:
    def __init__(self, binary, name, flags=(), tls=True, root=None):
        self.binary = binary
        self.name = name
        self.flags = list(flags)
        self.tls = tls
        self.root = root or tempfile.gettempdir()
        self.proc = None
        self.port = None
        self.data_dir = None
        self.log_path = None
        self.exit_code = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, timeout=20.0):
        last = None
        for _attempt in range(5):
            self.data_dir = tempfile.mkdtemp(prefix="ternd-%s-" % self.name, dir=self.root)
            self.port = free_port()
            self.log_path = os.path.join(self.data_dir, "ternd.log")
            args = [self.binary, "--listen", "%s:%d" % (HOST, self.port), "--data-dir", self.data_dir]
            if not self.tls:
                args.append("--no-tls")
            args += self.flags
            logf = open(self.log_path, "wb")
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                         start_new_session=True)
            logf.close()
            with _all_lock:
                _all.append(self)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    socket.create_connection((HOST, self.port), 0.2).close()
                    if not self.tls or os.path.exists(self.ca_file):
                        return self
                except OSError:
                    pass
                time.sleep(0.02)
            last = self.log_tail()
            self.kill()
            shutil.rmtree(self.data_dir, ignore_errors=True)
        raise RuntimeError("ternd %s did not start: %s" % (self.name, last))

    @property
    def ca_file(self):
        return os.path.join(self.data_dir, "tls", "ca.pem")

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def terminate(self, timeout=15.0):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.exit_code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        else:
            self.exit_code = self.proc.returncode
        return self.exit_code

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass

    def cleanup(self):
        self.kill()
        if self.data_dir and os.path.isdir(self.data_dir):
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # --- connections ----------------------------------------------------------------------

    def tls_ctx(self, **kw):
        return c.tls_context(self.ca_file, **kw)

    def connect(self, hello=True, label=None, tls_ctx=None, auto_pong=True, rcvbuf=None, **hello_kw):
        """Open a connection (TLS unless the instance is plaintext) and do the handshake."""
        ctx = None
        if self.tls:
            ctx = tls_ctx or self.tls_ctx()
        conn = c.Conn(HOST, self.port, ctx, auto_pong=auto_pong, rcvbuf=rcvbuf,
                      label=label or "%s:%d" % (self.name, self.port))
        if hello:
            fr = conn.hello(**hello_kw)
            if fr.type != w.WELCOME:
                conn.close()
                raise AssertionError("handshake refused: %r" % fr)
        return conn


def cleanup_all():
    with _all_lock:
        items = list(_all)
        _all.clear()
    for b in items:
        b.cleanup()
