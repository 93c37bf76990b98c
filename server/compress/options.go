package compress

import (
	"errors"
	"fmt"
)

// Defaults of [Options]. The levels were chosen with BenchmarkLevels
// (bench_test.go) on the demo's pages: see the table there.
const (
	DefaultMinBytes         = 1024
	DefaultGzipLevel        = 5
	DefaultZstdLevel        = 3
	DefaultStaticMaxBytes   = 1 << 20
	DefaultStaticCacheBytes = 16 << 20
)

// ErrOptions is returned, wrapped with the field and its value, by
// [Options.Check] for an option out of its range.
var ErrOptions = errors.New("compress: invalid option")

// Options are the settings of compression; the zero value of each field is
// its documented default, so Options{} compresses with the defaults.
type Options struct {
	// MinBytes is the size in bytes under which a body is sent as it is:
	// coding a small body saves too little to pay for the work and the
	// coding's own framing. Zero means 1024 (DefaultMinBytes).
	MinBytes int
	// GzipLevel is the DEFLATE level of gzip, 1 (fastest) to 9 (smallest).
	// Zero means 5 (DefaultGzipLevel).
	GzipLevel int
	// ZstdLevel is the zstd level on zstd's own scale, 1 to 22, which
	// klauspost/compress maps to its four speeds: 1-2 fastest, 3-5
	// default, 6-9 better, 10-22 best. Zero means 3 (DefaultZstdLevel).
	ZstdLevel int
	// StaticMaxBytes is the largest static file, in bytes, compressed on
	// the fly (the result is cached); a larger one goes out as it is unless
	// a precompressed sibling (.zst, .gz) exists. Zero means 1 MiB
	// (DefaultStaticMaxBytes); negative means no static file is compressed
	// on the fly.
	StaticMaxBytes int64
	// StaticCacheBytes bounds, in bytes, the memory that holds static files
	// compressed on the fly. Zero means 16 MiB (DefaultStaticCacheBytes).
	StaticCacheBytes int64
}

// Check returns an error, wrapping ErrOptions and naming the field and its
// value, when a field is out of its range.
func (o Options) Check() error {
	switch {
	case o.MinBytes < 0:
		return fmt.Errorf("%w: MinBytes %d: want 0 or more", ErrOptions, o.MinBytes)
	case o.GzipLevel < 0 || o.GzipLevel > 9:
		return fmt.Errorf("%w: GzipLevel %d: want 1 to 9, or 0 for %d", ErrOptions, o.GzipLevel, DefaultGzipLevel)
	case o.ZstdLevel < 0 || o.ZstdLevel > 22:
		return fmt.Errorf("%w: ZstdLevel %d: want 1 to 22, or 0 for %d", ErrOptions, o.ZstdLevel, DefaultZstdLevel)
	case o.StaticCacheBytes < 0:
		return fmt.Errorf("%w: StaticCacheBytes %d: want 0 or more", ErrOptions, o.StaticCacheBytes)
	}
	return nil
}

// WithDefaults returns o with each zero field set to its default.
func (o Options) WithDefaults() Options {
	if o.MinBytes == 0 {
		o.MinBytes = DefaultMinBytes
	}
	if o.GzipLevel == 0 {
		o.GzipLevel = DefaultGzipLevel
	}
	if o.ZstdLevel == 0 {
		o.ZstdLevel = DefaultZstdLevel
	}
	if o.StaticMaxBytes == 0 {
		o.StaticMaxBytes = DefaultStaticMaxBytes
	}
	if o.StaticCacheBytes == 0 {
		o.StaticCacheBytes = DefaultStaticCacheBytes
	}
	return o
}
