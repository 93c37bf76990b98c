package config

import "testing"

func TestAutoMaxConns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cpus   int
		nofile uint64 // open-file limit; 0 for unknown
		want   int
	}{
		{1, 0, 1024},         // the floor
		{1, 1 << 20, 1024},   // a high limit does not matter
		{4, 0, 4096},         // 1024 per CPU
		{4, 1 << 20, 4096},   //
		{64, 1 << 20, 65536}, //
		{4, 4096, 2048},      // at most half the limit
		{4, 8192, 4096},      // exactly half
		{1, 1024, 512},       // half the limit beats the floor
		{8, 1, 1},            // never 0
		{8, 1<<64 - 1, 8192}, // RLIM_INFINITY
	}
	for _, tt := range tests {
		if got := autoMaxConns(tt.cpus, tt.nofile); got != tt.want {
			t.Errorf("autoMaxConns(%d, %d) = %d, want %d", tt.cpus, tt.nofile, got, tt.want)
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
