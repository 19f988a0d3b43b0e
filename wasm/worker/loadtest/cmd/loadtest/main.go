// Command loadtest measures a running Worker (workerd, wrangler dev or a
// deployment): n requests at concurrency c, every answer required to have
// the expected status, then latency percentiles and, for a local process,
// its memory.
//
//	go run ./wasm/worker/loadtest/cmd/loadtest -url http://127.0.0.1:8787/v1/convert \
//	    -file ../shared/fixtures/keras/akidanet_imagenet_224_alpha_25_keras2.10.h5 -n 200 -c 8 -pid $(pgrep -n workerd)
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/loadtest"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8787/healthz", "URL to send the requests to")
	file := flag.String("file", "", "file to POST as the body (default: GET without a body)")
	n := flag.Int("n", 200, "number of requests")
	c := flag.Int("c", 8, "concurrency")
	status := flag.Int("status", 200, "expected status of every answer")
	pid := flag.Int("pid", 0, "process to report the memory of (workerd), 0 for none")
	flag.Parse()
	var body []byte
	if *file != "" {
		var err error
		if body, err = os.ReadFile(*file); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(2)
		}
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	res := loadtest.Run(*n, *c, func() error { return send(client, *url, body, *status) })
	fmt.Println(res)
	if *pid != 0 {
		mem, err := loadtest.ProcessMemory(*pid)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(2)
		}
		fmt.Printf("process %d: %v\n", *pid, mem)
	}
	if res.Failures > 0 {
		os.Exit(1)
	}
}

// send makes one request and checks its status, reading the whole answer
// so the latency includes the transfer.
func send(client *http.Client, url string, body []byte, want int) error {
	method, r := "GET", io.Reader(nil)
	if body != nil {
		method, r = "POST", bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("status %d, want %d: %.200s", resp.StatusCode, want, data)
	}
	return nil
}
