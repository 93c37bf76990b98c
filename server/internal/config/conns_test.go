package config

import (
	"slices"
	"testing"
)

func TestAutoMaxConns(t *testing.T) {
	t.Parallel()
	const (
		KiB = 1 << 10
		MiB = 1 << 20
		GiB = 1 << 30
	)
	tests := []struct {
		name      string
		mem       uint64 // bytes available
		perConn   uint64 // bytes a connection
		nofile    uint64 // open-files limit; 0: none
		inUse     int    // descriptors held; -1: unknown
		want      int
		fileBound bool
	}{
		{"this machine", 24 * GiB, 64 * KiB, 19999, 20, 19999 - 20 - fdReserve, true},
		{"hard limit 20000", 24 * GiB, 64 * KiB, 20000, 31, 20000 - 31 - fdReserve, true},
		{"no file limit", 24 * GiB, 64 * KiB, 0, 20, 98304, false},
		{"memory bounds", 24 * GiB, 64 * KiB, 1 << 20, 20, 98304, false},
		{"container 512 MiB", 512 * MiB, 64 * KiB, 1 << 20, 20, 2048, false},
		{"memory floor", 64 * MiB, 64 * KiB, 1 << 20, 20, minConns, false},
		{"files below floor", 64 * MiB, 64 * KiB, 1024, 20, 1024 - 20 - fdReserve, true},
		{"idle cost", 24 * GiB, 8 * KiB, 1 << 20, 20, 786432, false},
		{"unknown fds count as a reserve", 24 * GiB, 64 * KiB, 19999, -1, 19999 - 2*fdReserve, true},
		{"limit below what is held", 24 * GiB, 64 * KiB, 100, 90, 1, true},
		{"limit exactly held", 24 * GiB, 64 * KiB, 20 + fdReserve, 20, 1, true},
		{"a terabyte", 1 << 40, 64 * KiB, 0, 0, 4 << 20, false},
		{"zero cost", 24 * GiB, 0, 0, 0, minConns, false},
		{"huge memory clamps", 1<<64 - 1, 1, 0, 0, 1 << 30, false},
	}
	for _, tt := range tests {
		n, fb := autoMaxConns(tt.mem, tt.perConn, tt.nofile, tt.inUse)
		if n != tt.want || fb != tt.fileBound {
			t.Errorf("%s: autoMaxConns(%d, %d, %d, %d) = %d, %v; want %d, %v",
				tt.name, tt.mem, tt.perConn, tt.nofile, tt.inUse, n, fb, tt.want, tt.fileBound)
		}
	}
}

func TestEffectiveMaxConns(t *testing.T) {
	t.Parallel()
	if got := (Limits{MaxConns: 7}).EffectiveMaxConns(); got != 7 {
		t.Errorf("EffectiveMaxConns with MaxConns 7 = %d", got)
	}
	if got := (Limits{}).EffectiveMaxConns(); got < 1 {
		t.Errorf("EffectiveMaxConns with MaxConns 0 = %d, want at least 1", got)
	}
}

// TestSizeConnsHere checks the rule on this machine: the figures are read,
// and the cap is what autoMaxConns makes of them.
func TestSizeConnsHere(t *testing.T) {
	t.Parallel()
	s := SizeConns()
	if s.MaxConns < 1 {
		t.Fatalf("SizeConns() = %+v: no cap", s)
	}
	mem := s.Memory
	if mem == 0 {
		mem = guessMemory
	}
	if n, fb := autoMaxConns(mem, connCost, s.FileLimit, s.FilesOpen); fb != s.FileBound {
		t.Errorf("SizeConns() = %+v; the rule gives %d, file bound %v", s, n, fb)
	}
	if s.MemoryFrom != "" && s.Memory == 0 {
		t.Errorf("SizeConns() = %+v: memory read from %q but 0", s, s.MemoryFrom)
	}
}

func TestParseMemTotal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want uint64
	}{
		{"MemTotal:       24683772 kB\nMemFree:  1 kB\n", 24683772 << 10},
		{"MemFree:  1 kB\nMemTotal: 1024 kB\n", 1 << 20},
		{"MemFree:  1 kB\n", 0},
		{"MemTotal: 1024 MB\n", 0},                 // an unknown unit
		{"MemTotal: -5 kB\n", 0},                   //
		{"MemTotal: 99999999999999999999 kB\n", 0}, // overflows
		{"", 0},
	}
	for _, tt := range tests {
		if got := parseMemTotal([]byte(tt.in)); got != tt.want {
			t.Errorf("parseMemTotal(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestParseCgroupLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want uint64
	}{
		{"536870912\n", 512 << 20},
		{"max\n", 0},                 // v2: no limit
		{"9223372036854771712\n", 0}, // v1: no limit
		{"", 0},                      //
		{"-1\n", 0},                  //
		{"12 34\n", 0},               //
	}
	for _, tt := range tests {
		if got := parseCgroupLimit([]byte(tt.in)); got != tt.want {
			t.Errorf("parseCgroupLimit(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestCgroupLimitFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"0::/system.slice/miniweb.service\n", []string{
			"/sys/fs/cgroup/system.slice/miniweb.service/memory.max",
			"/sys/fs/cgroup/unified/system.slice/miniweb.service/memory.max"}},
		{"9:name=systemd:/\n4:memory:/process_api/8c26\n0::/\n", []string{
			"/sys/fs/cgroup/memory/process_api/8c26/memory.limit_in_bytes",
			"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/unified/memory.max"}},
		{"5:cpu,memory:/a\n", []string{"/sys/fs/cgroup/memory/a/memory.limit_in_bytes"}},
		{"4:memory:/../../etc\n", nil}, // no way out of /sys/fs/cgroup
		{"4:memory:relative\n", nil},   //
		{"garbage\n", nil},
	}
	for _, tt := range tests {
		if got := cgroupLimitFiles([]byte(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("cgroupLimitFiles(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
