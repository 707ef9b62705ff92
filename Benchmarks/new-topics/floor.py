#!/usr/bin/env python3
"""The fastest new-topics time topic-scale can report for any Tern broker, against nats-server.

Runs topic-scale's own new-topics cases (its `scenarios` function, its client, its timing) against
nats-server, against `floor-broker` (a C program that does the least a Tern broker can: no topics,
no mailboxes, one write per read) and against ternd, in turn, each round on fresh processes.
Prints each case's times, medians over the rounds, and the ratios to nats-server's.

What a case measures for a Tern broker includes the anchor's Python client: building the PUBLISH
frames, and parsing the MESSAGE frames one at a time, where each frame parsed copies the rest of
the bytes received (`c["buf"] = b[4 + ln:]`). The sooner the deliveries arrive, the more bytes
each copy moves: a broker that delivers at once gets the slowest parse.

  python3 Benchmarks/new-topics/floor.py [ROUNDS]      # after swift build -c release
"""
import os, statistics, struct, subprocess, sys, tempfile, time

from decompose import anchor

HERE = os.path.dirname(os.path.abspath(__file__))


def run(command, port, broker_class):
    """topic-scale's new-topics cases against a fresh process of `command`."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        anchor.wait_port(port)
        return anchor.scenarios(broker_class(port), process.pid)
    finally:
        process.terminate(); process.wait()


class Sink:
    """A socket that takes what is sent and drops it."""

    def sendall(self, data):
        pass


def client_alone(pieces):
    """The anchor's client without a broker: ms to frame 20,000 publishes (its `publish_all`), and
    to count 20,000 deliveries (its `count_messages`) handed to it `pieces` bytes per receive (None:
    all in one), for Tern and NATS."""
    topics = [f"dev.0.w1t{j}" for j in range(20000)]
    deliveries = {
        "tern": b"".join(anchor.tframe(0x06, struct.pack(">I", 1) + anchor.tstr(t) + b"hello") for t in topics),
        "nats": b"".join(f"MSG {t} 1 5\r\nhello\r\n".encode() for t in topics),
    }
    received = anchor.recv
    times = {}
    try:
        for name, client in (("tern", anchor.Tern(0)), ("nats", anchor.Nats(0))):
            start = time.perf_counter()
            client.publish_all({"sock": Sink()}, topics)
            framing = time.perf_counter() - start
            data, offset = deliveries[name], [0]
            size = pieces or len(data)

            def receive(sock, deadline):
                offset[0] += size
                return data[offset[0] - size:offset[0]]
            anchor.recv = receive
            start = time.perf_counter()
            client.count_messages({"sock": None, "buf": b""}, len(topics), 0)
            times[name] = (framing * 1000, (time.perf_counter() - start) * 1000)
    finally:
        anchor.recv = received
    return times


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    work = tempfile.mkdtemp(prefix="floor.")
    floor_binary = os.path.join(work, "floor-broker")
    subprocess.run(["cc", "-O2", "-pthread", "-o", floor_binary, os.path.join(HERE, "floor-broker.c")], check=True)
    bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], capture_output=True, text=True).stdout.strip()
    anchor.ONLY = "new-topics"
    brokers = {
        "nats-server": lambda port: (["nats-server", "-a", "127.0.0.1", "-p", str(port)], anchor.Nats),
        "floor-broker": lambda port: ([floor_binary, str(port)], anchor.Tern),
        "ternd": lambda port: ([os.path.join(bin_dir, "ternd"), "--listen", f"127.0.0.1:{port}", "--data-dir", os.path.join(work, f"tern{port}"),
                                "--no-tls", "--max-subscriptions", "1000000"], anchor.Tern),
    }
    results = {name: [] for name in brokers}
    for _ in range(rounds):
        for name, make in brokers.items():
            port = anchor.free_port()
            command, broker_class = make(port)
            results[name].append(run(command, port, broker_class))
    cases = [case for case in results["nats-server"][0] if case.startswith("new-topics")]
    print(f"medians of {rounds} rounds, ms {'':11} " + " ".join(f"{name:>13}" for name in brokers) + "   floor/nats   ternd/nats")
    for case in cases:
        medians = {name: statistics.median(r[case] for r in runs) * 1000 for name, runs in results.items()}
        print(f"{case:30} " + " ".join(f"{medians[name]:13.1f}" for name in brokers)
              + f"   {medians['floor-broker'] / medians['nats-server']:10.2f}   {medians['ternd'] / medians['nats-server']:10.2f}")
    print("each round, floor-broker/nats-server: " + "; ".join(
        ", ".join(f"{floor[case] / nats[case]:.2f}" for case in cases) for floor, nats in zip(results["floor-broker"], results["nats-server"])))
    for pieces in (None, 65536, 4096):
        times = client_alone(pieces)
        print(f"the client alone, deliveries {'all in one receive' if pieces is None else f'{pieces} bytes per receive'}: " + "; ".join(
            f"{name} framing {framing:.1f} ms, parsing {parsing:.1f} ms" for name, (framing, parsing) in times.items()))


if __name__ == "__main__":
    main()
