package compress

import (
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Encoders are pooled: one costs about 1 MB of tables and history for
// gzip, 0.7 to 6 MB for zstd by level (37 MB at its best level, which
// Options allow but nobody should use on responses), far more than
// coding a page costs, so each is reset and reused, never made per
// response. A pool per level; sync.Pool lets the collector shed the
// encoders that load no longer needs.
//
// zstd encoders run with concurrency 1 (no goroutines of their own: a
// response is coded on its connection's goroutine), a 256 KiB window (a
// page or a stylesheet fits; the default 8 MiB only costs the encoder's
// and the browser's memory) and no checksum (TCP and TLS check the bytes,
// and the frame's last-block flag shows truncation).

// zstdWindow is the zstd window size in bytes.
const zstdWindow = 256 << 10

// encoder is a streaming compressor: a *gzip.Writer or a *zstd.Encoder.
type encoder interface {
	io.Writer
	Flush() error
	Close() error
	Reset(w io.Writer)
}

var (
	gzipPools [10]sync.Pool // by DEFLATE level 1-9
	zstdPools [5]sync.Pool  // by zstd.EncoderLevel 1-4
)

// getEncoder returns a pooled encoder of e at level (on the scale of
// Options), reset to write to w.
func getEncoder(e Encoding, level int, w io.Writer) encoder {
	if e == Gzip {
		if z, ok := gzipPools[level].Get().(*gzip.Writer); ok {
			z.Reset(w)
			return z
		}
		z, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			panic("compress: gzip level " + err.Error()) // Options.Check saw to it
		}
		return z
	}
	l := zstd.EncoderLevelFromZstd(level)
	if z, ok := zstdPools[l].Get().(*zstd.Encoder); ok {
		z.Reset(w)
		return z
	}
	z, err := zstd.NewWriter(w,
		zstd.WithEncoderLevel(l),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(zstdWindow),
		zstd.WithEncoderCRC(false))
	if err != nil {
		panic("compress: zstd options: " + err.Error()) // fixed options
	}
	return z
}

// putEncoder returns enc, got from getEncoder(e, level, ...), to its pool.
// It drops its writer first, so the pool keeps no response alive.
func putEncoder(e Encoding, level int, enc encoder) {
	enc.Reset(io.Discard)
	if e == Gzip {
		gzipPools[level].Put(enc)
		return
	}
	zstdPools[zstd.EncoderLevelFromZstd(level)].Put(enc)
}

// AppendEncoded appends src, coded in e at o's level for e, to dst and
// returns the extended slice. With Identity it appends src as it is. o
// must pass Check.
func (o Options) AppendEncoded(dst, src []byte, e Encoding) []byte {
	if e == Identity {
		return append(dst, src...)
	}
	o = o.WithDefaults()
	s := &sink{b: dst}
	encodeInto(s, src, e, o.level(e))
	return s.b
}

// encodeInto appends src, coded whole in e at level, to s.
func encodeInto(s *sink, src []byte, e Encoding, level int) {
	enc := getEncoder(e, level, s)
	if z, ok := enc.(*zstd.Encoder); ok {
		z.ResetContentSize(s, int64(len(src))) // lets the decoder size its buffer
	}
	enc.Write(src) // a sink never fails
	enc.Close()
	putEncoder(e, level, enc)
}

// level returns o's level for e.
func (o Options) level(e Encoding) int {
	if e == Gzip {
		return o.GzipLevel
	}
	return o.ZstdLevel
}

// sink is an io.Writer that appends to b.
type sink struct{ b []byte }

func (s *sink) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}
