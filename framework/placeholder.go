package framework

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// A placeholder is one <%name%> of a template file, as the loader found it.
type placeholder struct {
	// Name is the dotted name between the delimiters, without its
	// filters: "user.name" in <%user.name|upper%>.
	Name string
	// Root is the first segment of Name, the key looked up in the page's
	// data: "user".
	Root string
	// Line and Col are where "<%" starts, 1-based; Col counts bytes, as
	// pongo2's error columns do.
	Line, Col int
	// End is the offset in the file of its closing "%>", and EndCol
	// that "%>"'s column.
	End, EndCol int
}

// scanResult is what rewritePlaceholders learned about one file.
type scanResult struct {
	// Placeholders are the rewritten placeholders, in order.
	Placeholders []placeholder
	// DynamicInclude reports an {% include %} whose name is an expression
	// rather than a string literal: pongo2 loads such a file while the page
	// executes, which must then be serialized with compilation (see store).
	DynamicInclude bool
	// Err is the first malformed placeholder of the file, nil if none.
	Err *placeholderError
}

// A placeholderError is a malformed placeholder: "<%" and a name, closed
// by "%>" on the same line, with something between that is not the
// grammar of rewritePlaceholders.
type placeholderError struct {
	// File is the template's name; Line and Col are 1-based, Col in
	// bytes, and point at the offending byte.
	File      string
	Line, Col int
	// Message says what is wrong, quoting the placeholder.
	Message string
}

func (e *placeholderError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Message)
}

// rewritePlaceholders turns every placeholder of a template into pongo2's
// variable tag, in place and byte for byte:
//
//	<%content%>            ->  {{content}}
//	<% user.name %>        ->  {{ user.name }}
//	<%price|floatformat:2%> -> {{price|floatformat:2}}
//
// Only the delimiters change and they keep their length, so every byte of
// the file keeps its offset. (The loader then adds a filter before each
// closing "}}", see loader.rewrite, and maps pongo2's columns back.)
//
// The grammar, where a name starts with a letter or "_":
//
//	placeholder = "<%" *WSP path *( *WSP "|" *WSP filter ) *WSP "%>"
//	path        = name *( "." ( name / 1*DIGIT ) )
//	filter      = name [ ":" argument ]
//	argument    = string / number / path
//	string      = DQUOTE *( "\" CHAR / CHAR ) DQUOTE   ; or in '...'
//	number      = 1*DIGIT [ "." 1*DIGIT ]
//	name        = ( ALPHA / "_" ) *( ALPHA / DIGIT / "_" )
//	WSP         = SP / HTAB
//
// "<%", spaces and a name, with a "%>" later on the same line, is meant as
// a placeholder: if it is not one (<%a b%>, <%a..b%>, <%a|%>) the scan
// reports a placeholderError at the offending byte, and so it does for a
// placeholder right after a "{", where "{{{x}}" would start a pongo2 tag
// one byte early. Anything else that starts with "<%" is text and stays as
// it is: "<%= x %>", "<%@ page %>", "<% %>", "<%1%>", or "<%x" with no
// "%>" on its line.
//
// The scan follows pongo2's lexer (lexer.go, run and stateCode): what is
// inside {{ ... }}, {% ... %}, {# ... #} and {% verbatim %}...{%
// endverbatim %} is pongo2's and is never rewritten, so pongo2 syntax in
// the same file works as pongo2 and a literal "<%x%>" in a pongo2 string
// survives.
func rewritePlaceholders(b []byte) scanResult {
	var res scanResult
	line, lineStart := 1, 0
	for i := 0; i < len(b); {
		rest := b[i:]
		switch {
		case bytes.HasPrefix(rest, verbatimOpen):
			end := bytes.Index(rest, verbatimClose)
			if end < 0 {
				end = len(rest) // pongo2 reports the unclosed verbatim
			} else {
				end += len(verbatimClose)
			}
			line, lineStart = countLines(b, i, i+end, line, lineStart)
			i += end
			continue
		case bytes.HasPrefix(rest, []byte("{#")):
			// A comment ends at "#}" and may not hold a newline.
			end := 2
			for end < len(rest) && rest[end] != '\n' && !bytes.HasPrefix(rest[end:], []byte("#}")) {
				end++
			}
			if bytes.HasPrefix(rest[end:], []byte("#}")) {
				end += 2
			}
			i += end
			continue
		case bytes.HasPrefix(rest, []byte("{{")), bytes.HasPrefix(rest, []byte("{%")):
			end := tagEnd(rest)
			if rest[1] == '%' && isDynamicInclude(rest[2:end]) {
				res.DynamicInclude = true
			}
			i += end
			continue
		case bytes.HasPrefix(rest, []byte("<%")):
			n, name, bad, why := matchPlaceholder(rest)
			if n > 0 && i > 0 && b[i-1] == '{' {
				bad, why = 0, `a placeholder right after "{" would open a pongo2 tag a byte early; put a space between`
			}
			if why != "" {
				if res.Err == nil {
					res.Err = &placeholderError{Line: line, Col: i - lineStart + 1 + bad,
						Message: fmt.Sprintf("placeholder %s: %s", quoteCandidate(rest), why)}
				}
				i += 2
				continue
			}
			if n > 0 {
				rest[0], rest[1] = '{', '{'
				rest[n-2], rest[n-1] = '}', '}'
				root, _, _ := bytes.Cut(name, []byte("."))
				res.Placeholders = append(res.Placeholders, placeholder{
					Name: string(name), Root: string(root), Line: line, Col: i - lineStart + 1,
					End: i + n - 2, EndCol: i + n - 2 - lineStart + 1,
				})
				i += n
				continue
			}
		case rest[0] == '\n':
			line, lineStart = line+1, i+1
		}
		i++
	}
	return res
}

var (
	verbatimOpen  = []byte("{% verbatim %}")
	verbatimClose = []byte("{% endverbatim %}")
)

// countLines advances the line count over b[from:to].
func countLines(b []byte, from, to, line, lineStart int) (int, int) {
	for j := from; j < to; j++ {
		if b[j] == '\n' {
			line, lineStart = line+1, j+1
		}
	}
	return line, lineStart
}

// tagEnd returns the length of the pongo2 tag at the start of b ("{{" or
// "{%"): up to and including the first "}}" or "%}" outside a quoted string,
// or up to a newline, where pongo2's lexer stops with an error.
func tagEnd(b []byte) int {
	for j := 2; j < len(b); j++ {
		switch c := b[j]; c {
		case '\n':
			return j
		case '"', '\'':
			for j++; j < len(b) && b[j] != c && b[j] != '\n'; j++ {
				if b[j] == '\\' && j+1 < len(b) && b[j+1] != '\n' {
					j++
				}
			}
			if j < len(b) && b[j] == '\n' {
				return j
			}
		case '}', '%':
			if j+1 < len(b) && b[j+1] == '}' {
				return j + 2
			}
		}
	}
	return len(b)
}

// isDynamicInclude reports whether the tag body is "include" followed by
// anything but a string literal: {% include page_name %}.
func isDynamicInclude(body []byte) bool {
	body = bytes.TrimLeft(body, " \t-")
	rest, ok := bytes.CutPrefix(body, []byte("include"))
	if !ok || len(rest) == 0 || (rest[0] != ' ' && rest[0] != '\t') {
		return false
	}
	rest = bytes.TrimLeft(rest, " \t")
	return len(rest) > 0 && rest[0] != '"' && rest[0] != '\''
}

// placeholderForms is what a malformed placeholder is told to look like.
const placeholderForms = "want <%name%>, <%name.field%>, <%name|filter%> or <%name|filter:argument%>"

// matchPlaceholder matches the placeholder at the start of b, which starts
// with "<%". It returns its length and its dotted name; or, for "<%" and a
// name that is not a placeholder although a "%>" follows on its line, the
// offset of the offending byte and why; or all zero for text.
func matchPlaceholder(b []byte) (n int, name []byte, bad int, why string) {
	j := skipSpace(b, 2)
	if j == len(b) || !isLetter(b[j]) {
		return 0, nil, 0, "" // "<%= x %>", "<% %>": text
	}
	eol := bytes.IndexByte(b, '\n')
	if eol < 0 {
		eol = len(b)
	}
	if !bytes.Contains(b[j:eol], []byte("%>")) {
		return 0, nil, 0, "" // never closed on its line: text
	}
	b = b[:eol]
	start := j
	j, ok := matchPath(b, j)
	if !ok {
		return 0, nil, j, unexpected(b, j)
	}
	end := j
	for {
		j = skipSpace(b, j)
		if j == len(b) || b[j] != '|' {
			break
		}
		j = skipSpace(b, j+1)
		k := matchName(b, j)
		if k == j {
			return 0, nil, j, unexpected(b, j) + ": a filter name must follow \"|\""
		}
		j = k
		if j < len(b) && b[j] == ':' {
			if j, ok = matchArgument(b, j+1); !ok {
				return 0, nil, j, unexpected(b, j) + ": a filter argument is a string, a number or a name"
			}
		}
	}
	if !bytes.HasPrefix(b[j:], []byte("%>")) {
		return 0, nil, j, unexpected(b, j)
	}
	return j + 2, b[start:end], 0, ""
}

// matchPath matches path at b[j:] and returns where it ends; on failure,
// the offset of the offending byte.
func matchPath(b []byte, j int) (int, bool) {
	k := matchName(b, j)
	if k == j {
		return j, false
	}
	j = k
	for j < len(b) && b[j] == '.' {
		j++
		k := matchName(b, j)
		if k == j {
			for k < len(b) && isDigit(b[k]) {
				k++
			}
			if k < len(b) && isLetter(b[k]) {
				return k, false // "items.0x"
			}
		}
		if k == j {
			return j, false // an empty segment
		}
		j = k
	}
	return j, true
}

// matchArgument matches a filter's argument at b[j:].
func matchArgument(b []byte, j int) (int, bool) {
	switch {
	case j == len(b):
		return j, false
	case b[j] == '"' || b[j] == '\'':
		q := b[j]
		for k := j + 1; k < len(b); k++ {
			switch b[k] {
			case '\\':
				k++
			case q:
				return k + 1, true
			}
		}
		return j, false // unterminated on its line
	case isDigit(b[j]):
		k := j
		for k < len(b) && isDigit(b[k]) {
			k++
		}
		if k+1 < len(b) && b[k] == '.' && isDigit(b[k+1]) {
			for k++; k < len(b) && isDigit(b[k]); k++ {
			}
		}
		return k, true
	}
	return matchPath(b, j)
}

// matchName returns the end of the name at b[j:], j if there is none.
func matchName(b []byte, j int) int {
	if j == len(b) || !isLetter(b[j]) {
		return j
	}
	for j++; j < len(b) && (isLetter(b[j]) || isDigit(b[j])); j++ {
	}
	return j
}

func skipSpace(b []byte, j int) int {
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	return j
}

// unexpected says what stands at b[j] where a placeholder's grammar wants
// something else.
func unexpected(b []byte, j int) string {
	if bytes.HasPrefix(b[j:], []byte("%>")) {
		return "unexpected end; " + placeholderForms
	}
	r, _ := utf8.DecodeRune(b[j:])
	return fmt.Sprintf("unexpected %q; %s", r, placeholderForms)
}

// quoteCandidate quotes the would-be placeholder at the start of b: up to
// its "%>" on the line, cut short if long.
func quoteCandidate(b []byte) string {
	if eol := bytes.IndexByte(b, '\n'); eol >= 0 {
		b = b[:eol]
	}
	if k := bytes.Index(b[2:], []byte("%>")); k >= 0 {
		b = b[:k+4]
	}
	if len(b) > 60 {
		b = append(bytes.Clone(b[:57]), "..."...)
	}
	return strconv.Quote(string(b))
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
