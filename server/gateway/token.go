package gateway

// The token grammar of RFC 9110 §5.6.2, kept once for the whole project: the
// contract checks header names with it, the HTTP/1 parser checks methods and
// field names, and the framework checks cookie names and route methods.
//
//	token = 1*tchar
//	tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//	        "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA

// tokenTable holds true for the bytes that are tchar: one load per byte, so
// that [IsTokenChar] inlines into a parser's loop.
var tokenTable = [256]bool{
	'!': true, '#': true, '$': true, '%': true, '&': true, '\'': true,
	'*': true, '+': true, '-': true, '.': true, '^': true, '_': true,
	'`': true, '|': true, '~': true,
	'0': true, '1': true, '2': true, '3': true, '4': true,
	'5': true, '6': true, '7': true, '8': true, '9': true,
	'A': true, 'B': true, 'C': true, 'D': true, 'E': true, 'F': true, 'G': true,
	'H': true, 'I': true, 'J': true, 'K': true, 'L': true, 'M': true, 'N': true,
	'O': true, 'P': true, 'Q': true, 'R': true, 'S': true, 'T': true, 'U': true,
	'V': true, 'W': true, 'X': true, 'Y': true, 'Z': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true, 'g': true,
	'h': true, 'i': true, 'j': true, 'k': true, 'l': true, 'm': true, 'n': true,
	'o': true, 'p': true, 'q': true, 'r': true, 's': true, 't': true, 'u': true,
	'v': true, 'w': true, 'x': true, 'y': true, 'z': true,
}

// IsTokenChar reports whether c is a tchar of RFC 9110 §5.6.2: an ASCII
// letter or digit, or one of !#$%&'*+-.^_`|~. So 'G', '-' and '~' are;
// ' ', ':', '"', '(' and every byte >= 0x80 are not.
func IsTokenChar(c byte) bool { return tokenTable[c] }

// IsToken reports whether s is a non-empty RFC 9110 §5.6.2 token: "GET",
// "Content-Type" and "x_id" are; "", "a b" and "Host:" are not.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenTable[s[i]] {
			return false
		}
	}
	return true
}
