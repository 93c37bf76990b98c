package config

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// machineMemory returns the memory available to this process in bytes and
// where it was read: the memory limit of its cgroup when one is set
// (cgroup v2 memory.max, v1 memory.limit_in_bytes) and lower than the
// machine's, else the machine's (/proc/meminfo MemTotal). It returns 0 and
// "" where neither can be read (not Linux).
func machineMemory() (uint64, string) {
	total := readMemTotal("/proc/meminfo")
	from := "/proc/meminfo MemTotal"
	if total == 0 {
		from = ""
	}
	cg, _ := os.ReadFile("/proc/self/cgroup")
	for _, f := range cgroupLimitFiles(cg) {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if lim := parseCgroupLimit(b); lim > 0 && (total == 0 || lim < total) {
			return lim, f
		}
	}
	return total, from
}

// readMemTotal returns MemTotal of a meminfo file in bytes, 0 if it
// cannot be read.
func readMemTotal(name string) uint64 {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	return parseMemTotal(b)
}

// parseMemTotal reads "MemTotal:       24683772 kB" from /proc/meminfo's
// text and returns it in bytes, 0 when it is missing or malformed.
func parseMemTotal(meminfo []byte) uint64 {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0
		}
		kb, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil || kb > 1<<53 {
			return 0
		}
		return kb << 10
	}
	return 0
}

// cgroupLimitFiles returns the memory-limit files of the cgroups named in
// /proc/self/cgroup's text: "0::/a/b" (v2) gives
// /sys/fs/cgroup/a/b/memory.max (and under /sys/fs/cgroup/unified, a
// hybrid layout), "4:memory:/a/b" (v1) gives
// /sys/fs/cgroup/memory/a/b/memory.limit_in_bytes. Inside a container
// the path is often "/", its own limit at the root.
func cgroupLimitFiles(procCgroup []byte) []string {
	var out []string
	for line := range strings.SplitSeq(string(procCgroup), "\n") {
		id, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		ctrl, path, ok := strings.Cut(rest, ":")
		if !ok || strings.Contains(path, "..") || !strings.HasPrefix(path, "/") {
			continue
		}
		path = strings.TrimSuffix(path, "/") // "/" is the root: "" before the file's name
		switch {
		case id == "0" && ctrl == "":
			out = append(out, "/sys/fs/cgroup"+path+"/memory.max", "/sys/fs/cgroup/unified"+path+"/memory.max")
		case ctrl == "memory" || strings.Contains(","+ctrl+",", ",memory,"):
			out = append(out, "/sys/fs/cgroup/memory"+path+"/memory.limit_in_bytes")
		}
	}
	return out
}

// parseCgroupLimit reads a cgroup memory limit file's text ("536870912\n")
// in bytes; "max" (v2) and v1's near-2^63 "no limit" give 0, as does
// anything malformed.
func parseCgroupLimit(b []byte) uint64 {
	s := strings.TrimSpace(string(b))
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n >= 1<<62 {
		return 0
	}
	return n
}

// openFiles counts the descriptors this process holds, from /proc/self/fd
// (Linux) or /dev/fd (the BSDs, macOS); -1 where neither can be listed.
func openFiles() int {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		es, err := os.ReadDir(dir)
		if err == nil && len(es) > 0 {
			return len(es) - 1 // the directory being read is one of them
		}
	}
	return -1
}
