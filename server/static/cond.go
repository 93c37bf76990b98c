package static

import (
	"strconv"
	"time"
)

// timeFormat is the IMF-fixdate of RFC 9110 §5.6.7, the only form we send:
// "Sun, 06 Nov 1994 08:49:37 GMT".
const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// makeETag returns the strong entity-tag of a file from its modification
// time in nanoseconds and its size in bytes: `"<hex mtime>-<hex size>"`,
// quoted as RFC 9110 §8.8.3 wants. It changes whenever either does; an edit
// that keeps both (same size within the same nanosecond) is not seen.
func makeETag(mtimeNs, size int64) string {
	b := make([]byte, 0, 2+16+1+16)
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(mtimeNs), 16)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(size), 16)
	b = append(b, '"')
	return string(b)
}

// trimOWS trims the optional white space (SP, HTAB) of RFC 9110 §5.6.3.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// scanETag reads one entity-tag at the start of s (RFC 9110 §8.8.3):
//
//	entity-tag = [ weak ] opaque-tag
//	weak       = %s"W/"
//	opaque-tag = DQUOTE *etagc DQUOTE
//	etagc      = %x21 / %x23-7E / obs-text
//
// It returns the tag (with its W/ and quotes) and the rest of s, or "", ""
// when s does not start with a valid tag. Leading OWS is skipped.
func scanETag(s string) (etag, rest string) {
	s = trimOWS(s)
	start := 0
	if len(s) >= 2 && s[0] == 'W' && s[1] == '/' {
		start = 2
	}
	if len(s)-start < 2 || s[start] != '"' {
		return "", ""
	}
	for i := start + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0x21 || 0x23 <= c && c <= 0x7e || c >= 0x80:
		case c == '"':
			return s[:i+1], s[i+1:]
		default:
			return "", ""
		}
	}
	return "", ""
}

// strongMatch is the strong comparison of RFC 9110 §8.8.3.2: both tags
// strong and their opaque-tags equal.
func strongMatch(a, b string) bool {
	return a == b && a != "" && a[0] == '"'
}

// weakMatch is the weak comparison: the opaque-tags are equal, W/ or not.
func weakMatch(a, b string) bool {
	if len(a) >= 2 && a[0] == 'W' {
		a = a[2:]
	}
	if len(b) >= 2 && b[0] == 'W' {
		b = b[2:]
	}
	return a == b
}

// matchList reports whether the field value list ("*" or
// `"a", W/"b"`) matches etag, strongly or weakly. A malformed member ends
// the scan with what was matched so far (none), as net/http does.
func matchList(list, etag string, strong bool) bool {
	for {
		list = trimOWS(list)
		if list == "" {
			return false
		}
		if list[0] == ',' {
			list = list[1:]
			continue
		}
		if list[0] == '*' {
			return true
		}
		tag, rest := scanETag(list)
		if tag == "" {
			return false
		}
		if strong && strongMatch(tag, etag) || !strong && weakMatch(tag, etag) {
			return true
		}
		list = rest
	}
}

// checkPreconditions evaluates the conditional headers of r against the
// file e in the order of RFC 9110 §13.2.2 and returns 0 to go on, 412
// (Precondition Failed) or 304 (Not Modified):
//
//  1. If-Match present: 412 unless a member matches strongly or is "*";
//  2. else If-Unmodified-Since (a valid date): 412 if modified after it;
//  3. If-None-Match present: 304 if a member matches weakly or is "*"
//     (the method is always GET or HEAD here);
//  4. else If-Modified-Since (a valid date): 304 if not modified after it.
//
// Dates compare at one-second precision, the precision of Last-Modified;
// an unparsable date is ignored, as §13.1.3 and §13.1.4 require.
func checkPreconditions(r *Request, e *entry) int {
	if r.IfMatch != "" {
		if !matchList(r.IfMatch, e.etag, true) {
			return 412
		}
	} else if r.IfUnmodifiedSince != "" {
		if t, ok := parseHTTPDate(r.IfUnmodifiedSince); ok && e.lmSec > t {
			return 412
		}
	}
	if r.IfNoneMatch != "" {
		if matchList(r.IfNoneMatch, e.etag, false) {
			return 304
		}
	} else if r.IfModifiedSince != "" {
		if r.IfModifiedSince == e.lastModified { // what browsers send back
			return 304
		}
		if t, ok := parseHTTPDate(r.IfModifiedSince); ok && e.lmSec <= t {
			return 304
		}
	}
	return 0
}

// ifRangeHolds reports whether the If-Range value v (RFC 9110 §13.1.5)
// lets the Range header apply: an entity-tag must match strongly (a weak
// tag never does), a date must equal Last-Modified exactly. Anything else
// (malformed) does not hold, and the full file is sent.
func ifRangeHolds(v string, e *entry) bool {
	if v == "" {
		return true
	}
	if tag, rest := scanETag(v); tag != "" {
		return trimOWS(rest) == "" && strongMatch(tag, e.etag)
	}
	t, ok := parseHTTPDate(v)
	return ok && t == e.lmSec
}

var monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

var dayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// parseHTTPDate parses an HTTP-date (RFC 9110 §5.6.7) into Unix seconds.
// The IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" is parsed by hand without
// allocating; the obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and
// asctime ("Sun Nov  6 08:49:37 1994") forms, which recipients must still
// accept, go through time.Parse.
func parseHTTPDate(s string) (sec int64, ok bool) {
	if len(s) == len(timeFormat) && s[3] == ',' {
		return parseIMFFixdate(s)
	}
	for _, layout := range [...]string{time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix(), true
		}
	}
	return 0, false
}

// parseIMFFixdate parses "Sun, 06 Nov 1994 08:49:37 GMT" exactly: the day
// name must be one of the seven (its agreement with the date is not
// checked, as time.Parse does not), the date must exist.
func parseIMFFixdate(s string) (int64, bool) {
	if len(s) != len(timeFormat) || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
		s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25:] != " GMT" {
		return 0, false
	}
	okDay := false
	for _, d := range dayNames {
		if s[:3] == d {
			okDay = true
			break
		}
	}
	month := 0
	for i, m := range monthNames {
		if s[8:11] == m {
			month = i + 1
			break
		}
	}
	day, ok1 := digits(s[5:7])
	year, ok2 := digits(s[12:16])
	hour, ok3 := digits(s[17:19])
	minute, ok4 := digits(s[20:22])
	second, ok5 := digits(s[23:25])
	if !okDay || month == 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 ||
		day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || second > 59 {
		return 0, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC).Unix(), true
}

// digits parses a fixed-width run of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
