#!/usr/bin/env python3
"""Where topic-scale's new-topics time goes: the anchor's own client, or the broker.

Loads `../shared/anchors/topic-scale` as a module and drives nats-server and ternd through its
client classes, exactly as its new-topics and no-subscribers cases do, but measures each part apart:

  wall      the case's time, as topic-scale reports it
  framing   the client thread's CPU time to build and send the 20,000 PUBLISH frames
  reading   the client thread's CPU time to take the deliveries in and count them (no-subscribers:
            to wait for the PONG)
  broker    the broker's CPU time over the case (/proc/PID/task/*/schedstat, nanoseconds)

and the bystander's PING round trips twice: from a thread of this process, as topic-scale pings
(sharing the interpreter's lock with the client), and from a process of its own.

  python3 Benchmarks/new-topics/decompose.py [ROUNDS]      # after swift build -c release
"""
import importlib.machinery, importlib.util, multiprocessing, os, statistics, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ANCHOR = os.path.join(HERE, "..", "..", "..", "shared", "anchors", "topic-scale")
loader = importlib.machinery.SourceFileLoader("topic_scale", ANCHOR)
spec = importlib.util.spec_from_loader("topic_scale", loader)
anchor = importlib.util.module_from_spec(spec)
loader.exec_module(anchor)


def broker_cpu_ns(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat") as f:
            total += int(f.read().split()[0])
    return total


def p99(samples):
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(0.99 * len(samples)))] * 1000 if samples else float("nan")


def ping_process(kind, port, stop, results):
    """Pings every 10 ms from a process of its own, so that nothing else holds its interpreter."""
    broker = (anchor.Tern if kind == "tern" else anchor.Nats)(port)
    connection, rtts = broker.connect(), []
    while not stop.is_set():
        t0 = time.time()
        broker.flush(connection, time.time() + anchor.TIMEOUT)
        rtts.append(time.time() - t0)
        time.sleep(0.01)
    results.put(rtts)


def new_topics(broker, pid, w, ntopics):
    """One new-topics case, as topic-scale runs it, taken apart."""
    bystander, rtts, stop = broker.connect(), [], threading.Event()

    def ping_loop():
        while not stop.is_set():
            t0 = time.time()
            broker.flush(bystander, time.time() + anchor.TIMEOUT)
            rtts.append(time.time() - t0)
            time.sleep(0.01)
    pinger = threading.Thread(target=ping_loop, daemon=True)
    own_stop, own_results = multiprocessing.Event(), multiprocessing.Queue()
    own = multiprocessing.Process(target=ping_process, args=(broker.name, broker.port, own_stop, own_results))
    pinger.start(); own.start()
    sub, pub = broker.connect(), broker.connect()
    broker.subscribe_all(sub, [f"dev.{i}.*" for i in range(w)], time.time() + anchor.TIMEOUT)
    topics = [f"dev.{j % w}.w{w}t{j}" for j in range(ntopics)]
    cpu0, wall0, broker0 = time.thread_time(), time.time(), broker_cpu_ns(pid)
    broker.publish_all(pub, topics)
    cpu1 = time.thread_time()
    broker.count_messages(sub, ntopics, time.time() + anchor.TIMEOUT)
    cpu2, wall2, broker2 = time.thread_time(), time.time(), broker_cpu_ns(pid)
    sub["sock"].close(); pub["sock"].close()
    stop.set(); own_stop.set(); pinger.join()
    own_rtts = own_results.get(); own.join()
    return {"wall": (wall2 - wall0) * 1000, "framing": (cpu1 - cpu0) * 1000, "reading": (cpu2 - cpu1) * 1000,
            "broker": (broker2 - broker0) / 1e6, "ping p99 (thread)": p99(rtts), "ping p99 (process)": p99(own_rtts)}


def no_subscribers(broker, pid, ntopics):
    """topic-scale's no-subscribers case, taken apart the same way (no bystander)."""
    pub = broker.connect()
    cpu0, wall0, broker0 = time.thread_time(), time.time(), broker_cpu_ns(pid)
    broker.publish_all(pub, [f"none.t{j}" for j in range(ntopics)])
    cpu1 = time.thread_time()
    broker.flush(pub, time.time() + anchor.TIMEOUT)
    cpu2, wall2, broker2 = time.thread_time(), time.time(), broker_cpu_ns(pid)
    pub["sock"].close()
    nan = float("nan")
    return {"wall": (wall2 - wall0) * 1000, "framing": (cpu1 - cpu0) * 1000, "reading": (cpu2 - cpu1) * 1000,
            "broker": (broker2 - broker0) / 1e6, "ping p99 (thread)": nan, "ping p99 (process)": nan}


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], capture_output=True, text=True).stdout.strip()
    work = tempfile.mkdtemp(prefix="decompose.")
    nats_port, tern_port = anchor.free_port(), anchor.free_port()
    procs = [subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(nats_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             subprocess.Popen([os.path.join(bin_dir, "ternd"), "--listen", f"127.0.0.1:{tern_port}", "--data-dir", os.path.join(work, "tern"),
                               "--no-tls", "--max-subscriptions", "1000000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        anchor.wait_port(nats_port); anchor.wait_port(tern_port)
        brokers = [(anchor.Nats(nats_port), procs[0].pid), (anchor.Tern(tern_port), procs[1].pid)]
        columns = ["wall", "framing", "reading", "broker", "ping p99 (thread)", "ping p99 (process)"]
        print(f"{'medians of ' + str(rounds) + ' rounds, ms':24} " + " ".join(f"{c:>19}" for c in columns))
        cases = [(f"W={w}", lambda b, pid, w=w: new_topics(b, pid, w, anchor.n(20000))) for w in (1, 1000, 10000, 100000)]
        cases.append(("no-subscribers", lambda b, pid: no_subscribers(b, pid, anchor.n(20000))))
        for name, case in cases:
            for broker, pid in brokers:
                runs = []
                for _ in range(rounds):
                    anchor.settle(broker)
                    runs.append(case(broker, pid))
                row = " ".join(f"{statistics.median(r[c] for r in runs):19.1f}" for c in columns)
                print(f"{broker.name + ' ' + name:24} {row}", flush=True)
    finally:
        for p in procs:
            p.terminate()


if __name__ == "__main__":
    main()
