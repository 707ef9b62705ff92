#!/usr/bin/env python3
"""What a new topic costs beyond a live one, and a live one beyond a stream to one topic.

One subscriber on `dev.0.*`; each round publishes 20,000 messages three times, each pass until all
are delivered, through topic-scale's own client: to 20,000 new topics, to the same 20,000 topics
again while they live, and to one topic. Prints the broker's CPU time per pass (medians over the
rounds), for nats-server and ternd in turn.

  python3 Benchmarks/new-topics/passes.py [ROUNDS]      # after swift build -c release
"""
import os, statistics, subprocess, sys, tempfile, time

from decompose import anchor, broker_cpu_ns

PUBLISHES = 20000


def passes(broker, pid, rounds):
    sub, pub = broker.connect(), broker.connect()
    broker.subscribe_all(sub, ["dev.0.*"], time.time() + anchor.TIMEOUT)
    cpu = {"new topics": [], "the same topics, live": [], "one topic": []}
    for r in range(rounds):
        topics = [f"dev.0.r{r}t{j}" for j in range(PUBLISHES)]
        for name, names in zip(cpu, (topics, topics, [topics[0]] * PUBLISHES)):
            anchor.settle(broker)
            before = broker_cpu_ns(pid)
            broker.publish_all(pub, names)
            broker.count_messages(sub, PUBLISHES, time.time() + anchor.TIMEOUT)
            cpu[name].append((broker_cpu_ns(pid) - before) / 1e6)
    sub["sock"].close(); pub["sock"].close()
    return {name: statistics.median(runs) for name, runs in cpu.items()}


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], capture_output=True, text=True).stdout.strip()
    work = tempfile.mkdtemp(prefix="passes.")
    for name in ("nats", "tern"):
        port = anchor.free_port()
        command = (["nats-server", "-a", "127.0.0.1", "-p", str(port)] if name == "nats" else
                   [os.path.join(bin_dir, "ternd"), "--listen", f"127.0.0.1:{port}", "--data-dir", os.path.join(work, "tern"), "--no-tls"])
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            anchor.wait_port(port)
            broker = (anchor.Nats if name == "nats" else anchor.Tern)(port)
            medians = passes(broker, process.pid, rounds)
            print(f"{name}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in medians.items()), flush=True)
        finally:
            process.terminate(); process.wait()


if __name__ == "__main__":
    main()
