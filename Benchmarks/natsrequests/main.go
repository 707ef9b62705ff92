// natsrequests: request/reply against nats-server with several requests in flight, the NATS
// side of Benchmarks/request-concurrency. Like `tern-bench reqrep`: one connection answers every
// request by echoing its payload, another sends them, `-concurrency` at a time; prints JSON with
// requests_per_sec, p50_us, p99_us and p999_us.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	url := flag.String("url", "nats://127.0.0.1:4222", "nats-server URL (tls:// for TLS)")
	ca := flag.String("ca", "", "CA certificate (PEM) that signed the server's certificate")
	requests := flag.Int("requests", 20000, "requests to make")
	concurrency := flag.Int("concurrency", 1, "requests in flight at once")
	size := flag.Int("size", 128, "payload bytes of requests and replies")
	flag.Parse()

	var options []nats.Option
	if *ca != "" {
		options = append(options, nats.RootCAs(*ca))
	}
	responder, err := nats.Connect(*url, options...)
	exitOn(err)
	_, err = responder.Subscribe("bench.service", func(m *nats.Msg) { exitOn(m.Respond(m.Data)) })
	exitOn(err)
	exitOn(responder.Flush())
	requester, err := nats.Connect(*url, options...)
	exitOn(err)

	payload := make([]byte, *size)
	latencies := make([]time.Duration, *requests)
	var issued int64
	var group sync.WaitGroup
	start := time.Now()
	for worker := 0; worker < *concurrency; worker++ {
		group.Add(1)
		go func() {
			defer group.Done()
			for {
				index := int(atomic.AddInt64(&issued, 1) - 1)
				if index >= *requests {
					return
				}
				sent := time.Now()
				_, err := requester.Request("bench.service", payload, 5*time.Second)
				exitOn(err)
				latencies[index] = time.Since(sent)
			}
		}()
	}
	group.Wait()
	seconds := time.Since(start).Seconds()

	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	percentile := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Nanoseconds()) / 1000
	}
	report := map[string]interface{}{
		"broker": "nats-server", "requests": *requests, "concurrency": *concurrency,
		"requests_per_sec": float64(*requests) / seconds,
		"p50_us":           percentile(0.5), "p99_us": percentile(0.99), "p999_us": percentile(0.999),
	}
	exitOn(json.NewEncoder(os.Stdout).Encode(report))
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsrequests:", err)
		os.Exit(1)
	}
}
