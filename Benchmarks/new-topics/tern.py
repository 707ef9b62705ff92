#!/usr/bin/env python3
# New topics against ternd (--no-tls), as topic-scale's new-topics case, with a client that
# reads frames in linear time: W wildcard subscriptions dev.<i>.*, then one message to each of N
# new topics dev.<j mod W>.w<W>t<j>; prints the time until all N were delivered. Usage: PORT W N
import socket, struct, sys, time
port, w, ntopics = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def tstr(s): b = s.encode(); return struct.pack(">H", len(b)) + b
def tframe(t, body): return struct.pack(">IBB", 2 + len(body), t, 0) + body
def connect():
    s = socket.create_connection(("127.0.0.1", port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(tframe(0x01, struct.pack(">HH", 1, 1) + tstr("fast")))
    c = {"s": s, "buf": bytearray(), "pos": 0}
    frames(c, lambda t: t == 0x02, 1)
    return c
def frames(c, pred, want):
    got = 0
    while got < want:
        buf, pos = c["buf"], c["pos"]
        while len(buf) - pos >= 4:
            ln = struct.unpack_from(">I", buf, pos)[0]
            if len(buf) - pos < 4 + ln: break
            if pred(buf[pos + 4]): got += 1
            if buf[pos + 4] == 0x0D: raise SystemExit("ERROR frame")
            pos += 4 + ln
        del buf[:pos]; c["pos"] = 0
        if got >= want: return
        d = c["s"].recv(1 << 20)
        if not d: raise SystemExit("closed")
        buf += d
sub, pub = connect(), connect()
sub["s"].sendall(b"".join(tframe(0x04, struct.pack(">I", i + 1) + tstr(f"dev.{i}.*")) for i in range(w)) + tframe(0x0B, struct.pack(">Q", 7)))
frames(sub, lambda t: t == 0x0C, 1)
topics = [f"dev.{j % w}.w{w}t{j}" for j in range(ntopics)]
data = b"".join(tframe(0x03, tstr(t) + b"hello") for t in topics)
t0 = time.time()
pub["s"].sendall(data)
frames(sub, lambda t: t == 0x06, ntopics)
print(f"tern new-topics W={w}: {time.time() - t0:.3f} s")
