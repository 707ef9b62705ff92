#!/bin/bash
# New topics with clients that read in linear time: tern.py against ternd and against floor-broker,
# nats.py against nats-server; fresh processes for every case, W = 1, 1,000, 10,000 and 100,000
# wildcard subscriptions, 20,000 new topics each. Prints one line per case and broker.
#
#   Benchmarks/new-topics/linear.sh [ROUNDS]      # from the project's root, after swift build -c release
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/floor-broker" "$here/floor-broker.c"
ternd="$(swift build -c release --show-bin-path)/ternd"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done; }

# case BROKER-COMMAND... : starts the broker on $port, runs $client against it, stops it
case_against() {
    "$@" >/dev/null 2>&1 &
    local broker=$!
    wait_port "$port"
    python3 "$here/$client" "$port" "$w" 20000 | sed "s/^[a-z]*/$name/"
    kill "$broker"
    wait "$broker" 2>/dev/null || true
}

for _ in $(seq "$rounds"); do
    for w in 1 1000 10000 100000; do
        port=$(free_port) client=tern.py name=ternd
        case_against "$ternd" --listen "127.0.0.1:$port" --data-dir "$work/tern$port" --no-tls --max-subscriptions 1000000
        port=$(free_port) client=tern.py name=floor-broker
        case_against "$work/floor-broker" "$port"
        port=$(free_port) client=nats.py name=nats-server
        case_against nats-server -a 127.0.0.1 -p "$port"
    done
done
