// natsroutes measures pub/sub throughput across a nats-server cluster: the subscriber on one
// server, the publisher on another, so that every message crosses a route. It prints one line:
// "delivered=N seconds=S rate=R" (messages per second, from the first publish until the last
// delivery). Built by cluster-side-by-side with Debian's nats.go.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

func connect(url, ca string) *nats.Conn {
	var options []nats.Option
	if ca != "" {
		options = append(options, nats.RootCAs(ca))
	}
	connection, err := nats.Connect(url, options...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsroutes:", url, err)
		os.Exit(1)
	}
	return connection
}

func main() {
	publisherURL := flag.String("pub-url", "nats://127.0.0.1:4222", "the publisher's server")
	subscriberURL := flag.String("sub-url", "nats://127.0.0.1:4223", "the subscriber's server")
	ca := flag.String("ca", "", "CA file to trust (TLS)")
	messages := flag.Int("messages", 1000000, "messages to publish")
	size := flag.Int("size", 128, "payload bytes")
	flag.Parse()

	subscriber := connect(*subscriberURL, *ca)
	publisher := connect(*publisherURL, *ca)
	var delivered atomic.Int64
	var last atomic.Int64
	data, err := subscriber.Subscribe("routes.bench", func(*nats.Msg) {
		delivered.Add(1)
		last.Store(time.Now().UnixNano())
	})
	if err == nil {
		err = data.SetPendingLimits(-1, -1)
	}
	probed := make(chan struct{}, 1)
	if err == nil {
		_, err = subscriber.Subscribe("routes-probe", func(*nats.Msg) {
			select {
			case probed <- struct{}{}:
			default:
			}
		})
	}
	if err == nil {
		err = subscriber.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsroutes: subscribing:", err)
		os.Exit(1)
	}
	// The subscriptions' interest has reached the publisher's server when a probe arrives.
	deadline := time.Now().Add(10 * time.Second)
	for waiting := true; waiting; {
		publisher.Publish("routes-probe", []byte("probe"))
		select {
		case <-probed:
			waiting = false
		case <-time.After(10 * time.Millisecond):
			if time.Now().After(deadline) {
				fmt.Fprintln(os.Stderr, "natsroutes: the subscription did not reach the publisher's server")
				os.Exit(1)
			}
		}
	}

	payload := make([]byte, *size)
	start := time.Now()
	for i := 0; i < *messages; i++ {
		if err := publisher.Publish("routes.bench", payload); err != nil {
			fmt.Fprintln(os.Stderr, "natsroutes: publishing:", err)
			os.Exit(1)
		}
	}
	publisher.Flush()
	// Wait until everything arrived, or deliveries stalled for 5 s.
	for seen, stalled := int64(-1), time.Now(); delivered.Load() < int64(*messages); time.Sleep(5 * time.Millisecond) {
		if now := delivered.Load(); now != seen {
			seen, stalled = now, time.Now()
		} else if time.Since(stalled) > 5*time.Second {
			break
		}
	}
	count := delivered.Load()
	seconds := float64(last.Load()-start.UnixNano()) / 1e9
	fmt.Printf("delivered=%d seconds=%.3f rate=%.0f\n", count, seconds, float64(count)/seconds)
}
