// Command idlemem measures what an idle keep-alive connection costs a
// server: it reads the server's resident memory (VmRSS of -pid), opens -n
// connections, sends one request on each and reads the whole answer, waits
// for the server to settle, reads VmRSS again and prints the growth per
// connection in KiB. The connections stay open until then.
//
// They come from -sources loopback addresses in turn, 127.0.0.1 to
// 127.0.0.N (0, the default: one per 20,000 connections, as one address
// pair runs short of ephemeral ports near 28,000), so that one run reaches
// 100,000 where the open-files limits allow; the server's per-address
// share (max_conns_per_addr, a quarter of max_conns) must hold n/N. The
// tool raises its own open-files limit to the hard one: it holds n
// descriptors.
//
//	idlemem -addr 127.0.0.1:8080 -pid 1234 -n 10000 -path /hello.py
//	idlemem -addr 127.0.0.1:8080 -pid 1234 -n 100000 -sources 8
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	pids := flag.String("pid", "", "server process ids, comma-separated (their VmRSS is summed)")
	n := flag.Int("n", 10000, "connections")
	path := flag.String("path", "/hello.py", "request path")
	par := flag.Int("parallel", 50, "connections opened at a time")
	sources := flag.Int("sources", 0, "client addresses 127.0.0.1 to 127.0.0.N, used in turn (0: one per 20,000 connections)")
	flag.Parse()
	if *sources <= 0 {
		*sources = (*n + 19999) / 20000
	}
	if *sources > 254 {
		fatal(fmt.Errorf("-sources %d: at most 254 (127.0.0.1 to 127.0.0.254)", *sources))
	}
	if err := raiseFileLimit(); err != nil {
		fatal(err)
	}

	before, err := rss(*pids)
	if err != nil {
		fatal(err)
	}
	conns := make([]net.Conn, *n)
	req := []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *addr + "\r\n\r\n")
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs int
		last error
	)
	sem := make(chan struct{}, *par)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := oneRequest(*addr, net.IPv4(127, 0, 0, byte(1+i%*sources)), req)
			if err != nil {
				mu.Lock()
				errs, last = errs+1, err
				mu.Unlock()
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	if errs > 0 {
		fatal(fmt.Errorf("%d of %d connections failed; last: %v", errs, *n, last))
	}
	time.Sleep(2 * time.Second) // let the server park every connection
	after, err := rss(*pids)
	if err != nil {
		fatal(err)
	}
	fmt.Printf("conns=%d sources=%d rss_before_kib=%d rss_after_kib=%d per_conn_kib=%.2f\n",
		*n, *sources, before, after, float64(after-before)/float64(*n))
	for _, c := range conns {
		c.Close()
	}
}

// oneRequest connects from src, sends req and reads one answer with a
// Content-Length body, leaving the connection open.
func oneRequest(addr string, src net.IP, req []byte) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 1024)
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		c.Close()
		return nil, fmt.Errorf("status %q: %v", line, err)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		c.Close()
		return nil, err
	}
	size, err := strconv.Atoi(h.Get("Content-Length"))
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("no Content-Length: %v", err)
	}
	if _, err := io.CopyN(io.Discard, br, int64(size)); err != nil {
		c.Close()
		return nil, err
	}
	if br.Buffered() > 0 {
		c.Close()
		return nil, fmt.Errorf("%d bytes after the answer", br.Buffered())
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// rss returns the summed VmRSS of the processes, in KiB.
func rss(pids string) (int64, error) {
	var total int64
	for _, pid := range strings.Split(pids, ",") {
		b, err := os.ReadFile("/proc/" + strings.TrimSpace(pid) + "/status")
		if err != nil {
			return 0, err
		}
		i := bytes.Index(b, []byte("VmRSS:"))
		if i < 0 {
			return 0, fmt.Errorf("pid %s: no VmRSS", pid)
		}
		f := strings.Fields(string(b[i+len("VmRSS:"):]))
		kib, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, err
		}
		total += kib
	}
	return total, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "idlemem:", err)
	os.Exit(1)
}
