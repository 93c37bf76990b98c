package static

import (
	"math"
	"strconv"
)

// maxRanges is the most range-specs a Range header may list before we
// ignore it and send the whole file: many small ranges cost far more than
// they save (RFC 9110 §14.2 lets a server ignore them).
const maxRanges = 16

// span is one satisfiable byte range, first and last byte inclusive:
// 0 <= first <= last < size.
type span struct{ first, last int64 }

// length returns the number of bytes of s.
func (s span) length() int64 { return s.last - s.first + 1 }

// rangeVerdict is what a Range header asks of the response.
type rangeVerdict int

const (
	rangeIgnore        rangeVerdict = iota // send the whole file, 200
	rangeSatisfiable                       // send the parsed spans, 206
	rangeUnsatisfiable                     // nothing to send, 416
)

// parseRange parses the Range field value h for a representation of size
// bytes into dst (RFC 9110 §14.1.2):
//
//	ranges-specifier = range-unit "=" range-set
//	range-set        = 1#range-spec
//	range-spec       = int-range / suffix-range / other-range
//	int-range        = first-pos "-" [ last-pos ]
//	suffix-range     = "-" suffix-length
//
// It returns the number of satisfiable spans put in dst and the verdict:
//
//   - rangeIgnore for a unit other than "bytes" (compared case-insensitively,
//     §14.1), for a malformed value (no '-', a non-digit, last-pos <
//     first-pos, an empty set), for more than maxRanges specs, and for
//     abusive sets: overlapping spans or spans adding up to more than the
//     file. Ignoring, not 416, is what §14.2 allows for an invalid set
//     ("MAY ignore or reject"); net/http answers 416 to a malformed one.
//   - rangeUnsatisfiable when no spec is satisfiable: every first-pos is at
//     or beyond size, or a suffix-length is 0, or the file is empty (§14.1.1).
//   - rangeSatisfiable otherwise, with last-pos clamped to size-1 and
//     suffix ranges "-500" turned into the last 500 bytes (or the file).
//
// Positions too big for an int64 saturate: "0-99999999999999999999" is the
// whole file. Unsatisfiable specs beside satisfiable ones are dropped.
func parseRange(h string, size int64, dst *[maxRanges]span) (n int, v rangeVerdict) {
	eq := -1
	for i := 0; i < len(h); i++ {
		if h[i] == '=' {
			eq = i
			break
		}
	}
	if eq != len("bytes") || !equalFoldASCII(h[:eq], "bytes") {
		return 0, rangeIgnore
	}
	specs := 0
	for rest := h[eq+1:]; ; {
		elem := rest
		more := false
		for i := 0; i < len(rest); i++ {
			if rest[i] == ',' {
				elem, rest, more = rest[:i], rest[i+1:], true
				break
			}
		}
		if elem = trimOWS(elem); elem != "" { // empty list members are allowed (§5.6.1)
			specs++
			if specs > maxRanges {
				return 0, rangeIgnore
			}
			s, ok, valid := parseSpec(elem, size)
			if !valid {
				return 0, rangeIgnore
			}
			if ok {
				dst[n] = s
				n++
			}
		}
		if !more {
			break
		}
	}
	switch {
	case specs == 0:
		return 0, rangeIgnore
	case n == 0:
		return 0, rangeUnsatisfiable
	}
	var sum int64
	for i := 0; i < n; i++ {
		sum += dst[i].length()
		for j := 0; j < i; j++ {
			if dst[i].first <= dst[j].last && dst[j].first <= dst[i].last {
				return 0, rangeIgnore // overlapping
			}
		}
	}
	if sum > size {
		return 0, rangeIgnore
	}
	return n, rangeSatisfiable
}

// parseSpec parses one range-spec "0-499", "500-" or "-500". valid is false
// when it is malformed; ok is false when it is valid but unsatisfiable.
func parseSpec(s string, size int64) (sp span, ok, valid bool) {
	dash := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			dash = i
			break
		}
	}
	if dash < 0 {
		return span{}, false, false
	}
	a, b := s[:dash], s[dash+1:]
	if a == "" { // suffix-range
		n, isNum := parseDigits(b)
		if !isNum {
			return span{}, false, false
		}
		if n == 0 || size == 0 {
			return span{}, false, true
		}
		return span{max(size-n, 0), size - 1}, true, true
	}
	first, isNum := parseDigits(a)
	if !isNum {
		return span{}, false, false
	}
	last := int64(math.MaxInt64)
	if b != "" {
		if last, isNum = parseDigits(b); !isNum || last < first {
			return span{}, false, false
		}
	}
	if first >= size {
		return span{}, false, true
	}
	return span{first, min(last, size-1)}, true, true
}

// parseDigits parses 1*DIGIT, saturating at math.MaxInt64.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + d
	}
	return n, true
}

// equalFoldASCII reports whether a and b are equal ignoring ASCII case.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// contentRange returns the Content-Range value "bytes 0-499/1234" of s.
func contentRange(s span, size int64) string {
	b := make([]byte, 0, 64)
	b = append(b, "bytes "...)
	b = strconv.AppendInt(b, s.first, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, s.last, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, size, 10)
	return string(b)
}

// unsatisfiedRange returns the Content-Range of a 416, "bytes */1234".
func unsatisfiedRange(size int64) string {
	return "bytes */" + strconv.FormatInt(size, 10)
}

// multipartHead returns the part header that precedes span i of a
// multipart/byteranges body (RFC 9110 §14.6), laid out as mime/multipart
// writes it so both agree byte for byte:
//
//	[CRLF] "--" boundary CRLF
//	"Content-Range: bytes 0-499/1234" CRLF
//	"Content-Type: text/html; charset=utf-8" CRLF
//	CRLF
//
// The leading CRLF, which ends the previous part's data, is there for every
// part but the first.
func multipartHead(i int, boundary, ctype string, s span, size int64) string {
	b := make([]byte, 0, 128)
	if i > 0 {
		b = append(b, "\r\n"...)
	}
	b = append(b, "--"...)
	b = append(b, boundary...)
	b = append(b, "\r\nContent-Range: "...)
	b = append(b, contentRange(s, size)...)
	b = append(b, "\r\nContent-Type: "...)
	b = append(b, ctype...)
	b = append(b, "\r\n\r\n"...)
	return string(b)
}

// multipartTail returns the close-delimiter that ends the body.
func multipartTail(boundary string) string {
	return "\r\n--" + boundary + "--\r\n"
}
