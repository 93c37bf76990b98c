package testnet

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Load for graceful-stop tests: clients at full speed on keep-alive
// connections, counting what became of every request while the server
// stops.

// StopLoadCounts are the outcomes of the load clients' requests.
type StopLoadCounts struct {
	Sent      atomic.Int64 // requests whose bytes were written
	Completed atomic.Int64 // complete and correct responses
	ToApp     atomic.Int64 // of those, responses from the application
	Unserved  atomic.Int64 // written, then the connection closed before any byte of response
	Refused   atomic.Int64 // dials that failed: the listener was closed
	Failed    atomic.Int64 // anything else: a wrong, truncated or broken response
	FirstErr  atomic.Pointer[error]
}

func (n *StopLoadCounts) fail(err error) {
	n.Failed.Add(1)
	n.FirstErr.CompareAndSwap(nil, &err)
}

// String sums the counts up in a line.
func (n *StopLoadCounts) String() string {
	return fmt.Sprintf("sent %d, completed %d (%d by the application), unserved %d (closed between keep-alive requests, never run), refused at connect %d, failed %d",
		n.Sent.Load(), n.Completed.Load(), n.ToApp.Load(), n.Unserved.Load(), n.Refused.Load(), n.Failed.Load())
}

// StopLoadRequest is one request of the load mix and its wanted answer.
type StopLoadRequest struct {
	Req, Method, Body string
	App               bool // answered by the application
}

// RunStopLoad runs clients connections to addr at full speed, each sending
// the requests of mix in turn on keep-alive connections and redialing when
// the server closes one, until a dial is refused or stop passes.
func RunStopLoad(addr string, clients int, mix []StopLoadRequest, stop time.Time, n *StopLoadCounts) *sync.WaitGroup {
	var wg sync.WaitGroup
	for k := range clients {
		wg.Go(func() {
			for i := k; time.Now().Before(stop); {
				c, err := net.DialTimeout("tcp", addr, Patience)
				if err != nil {
					n.Refused.Add(1)
					return // the listener is closed: the stop has begun
				}
				i = StopLoadConn(c, mix, i, stop, n)
				c.Close()
			}
		})
	}
	return &wg
}

// StopLoadConn sends requests of mix from index i on c, one at a time,
// until the server closes c or says it will; it returns the next index.
func StopLoadConn(c net.Conn, mix []StopLoadRequest, i int, stop time.Time, n *StopLoadCounts) int {
	br := bufio.NewReader(c)
	for ; time.Now().Before(stop); i++ {
		m := mix[i%len(mix)]
		c.SetDeadline(time.Now().Add(Patience))
		if _, err := io.WriteString(c, m.Req); err != nil {
			return i // closed by the server before this request: never sent
		}
		n.Sent.Add(1)
		if _, err := br.Peek(1); err != nil {
			if err == io.EOF || IsReset(err) {
				n.Unserved.Add(1)
			} else {
				n.fail(err)
			}
			return i + 1
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: m.Method})
		if err != nil {
			n.fail(err)
			return i + 1
		}
		b, err := io.ReadAll(resp.Body)
		switch {
		case err != nil:
			n.fail(fmt.Errorf("%q: %w", m.Req, err))
			return i + 1
		case resp.StatusCode != 200 || !strings.Contains(string(b), m.Body):
			n.fail(fmt.Errorf("%q: wrong response %s %.60q", m.Req, resp.Status, b))
			return i + 1
		}
		n.Completed.Add(1)
		if m.App {
			n.ToApp.Add(1)
		}
		if resp.Close {
			return i + 1
		}
	}
	return i
}
