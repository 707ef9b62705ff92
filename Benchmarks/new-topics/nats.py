#!/usr/bin/env python3
# The same new-topics workload as tern.py, against nats-server (plaintext). Usage: PORT W N
import socket, sys, time
port, w, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def connect():
    s = socket.create_connection(("127.0.0.1", port)); s.recv(4096)
    s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\n'); return s
sub, pub = connect(), connect()
sub.sendall(b"".join(f"SUB dev.{i}.* {i+1}\r\n".encode() for i in range(w)) + b"PING\r\n")
buf = b""
while b"PONG" not in buf: buf += sub.recv(1 << 20)
data = b"".join(f"PUB dev.{j % w}.w{w}t{j} 5\r\nhello\r\n".encode() for j in range(n))
t0 = time.time(); pub.sendall(data); got = 0; tail = b""
while got < n:
    d = tail + sub.recv(1 << 20); got += d.count(b"MSG "); tail = d[-3:]; got -= tail.count(b"MSG ")
print(f"nats new-topics W={w}: {time.time() - t0:.3f} s")
