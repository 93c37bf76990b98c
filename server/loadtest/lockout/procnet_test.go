package main

import (
	"strings"
	"testing"
)

func TestCountCloseWait(t *testing.T) {
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:46AA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1000 1 0 100 0 0 10 0
   1: 0100007F:46AA 0100007F:9C40 08 00000000:00000000 00:00000000 00000000     0        0 1001 1 0 20 4 30 10 -1
   2: 0100007F:46AA 0100007F:9C41 08 00000000:00000000 00:00000000 00000000     0        0 0 1 0 20 4 30 10 -1
   3: 0100007F:9C42 0100007F:46AA 08 00000000:00000000 00:00000000 00000000     0        0 1002 1 0 20 4 30 10 -1
   4: 0100007F:46AA 0100007F:9C43 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0 20 4 30 10 -1
   5: 00000000000000000000000001000000:46AA 00000000000000000000000001000000:9C44 08 00000000:00000000 00:00000000 00000000     0        0 1004 1 0 20 4 30 10 -1
`
	tests := []struct {
		port              int
		total, unaccepted int
	}{
		{0x46AA, 3, 1}, // rows 1, 2 (no inode: in the accept queue) and 5 (IPv6)
		{0x9C42, 1, 0}, // row 3: a CLOSE_WAIT of the client side, as its local port
		{80, 0, 0},
	}
	for _, tt := range tests {
		total, unaccepted, err := countCloseWait(strings.NewReader(table), tt.port)
		if err != nil || total != tt.total || unaccepted != tt.unaccepted {
			t.Errorf("port %d: got %d, %d, %v; want %d, %d", tt.port, total, unaccepted, err, tt.total, tt.unaccepted)
		}
	}
	if _, _, err := countCloseWait(strings.NewReader("header\n 0: short\n"), 1); err == nil {
		t.Error("short line: no error")
	}
}
