package framework

import "bytes"

// A placeholder is one <%name%> of a template file, as the loader found it.
type placeholder struct {
	// Name is the dotted name between the delimiters: "user.name".
	Name string
	// Root is the first segment of Name, the key looked up in the page's
	// data: "user".
	Root string
	// Line and Col are where "<%" starts, 1-based; Col counts bytes, as
	// pongo2's error columns do.
	Line, Col int
}

// scanResult is what rewritePlaceholders learned about one file.
type scanResult struct {
	// Placeholders are the rewritten placeholders, in order.
	Placeholders []placeholder
	// DynamicInclude reports an {% include %} whose name is an expression
	// rather than a string literal: pongo2 loads such a file while the page
	// executes, which must then be serialized with compilation (see store).
	DynamicInclude bool
}

// rewritePlaceholders turns every placeholder of a template into pongo2's
// variable tag, in place and byte for byte:
//
//	<%content%>     ->  {{content}}
//	<% user.name %> ->  {{ user.name }}
//
// Only the delimiters change and they keep their length, so every byte of
// the file keeps its offset: pongo2's line and column numbers in errors are
// those of the file as written, with no position map to maintain.
//
// The grammar, where a name starts with a letter or "_":
//
//	placeholder = "<%" *WSP name *( "." ( name / 1*DIGIT ) ) *WSP "%>"
//	name        = ( ALPHA / "_" ) *( ALPHA / DIGIT / "_" )
//	WSP         = SP / HTAB
//
// Anything else that starts with "<%" is text and stays as it is. The scan
// follows pongo2's lexer (lexer.go, run and stateCode): what is inside
// {{ ... }}, {% ... %}, {# ... #} and {% verbatim %}...{% endverbatim %} is
// pongo2's and is never rewritten, so pongo2 syntax in the same file works
// as pongo2 and a literal "<%x%>" in a pongo2 string survives. A placeholder
// right after a "{" is left alone too: "{{{x}}" would start a pongo2 tag one
// byte early.
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
			if n, name := matchPlaceholder(rest); n > 0 && (i == 0 || b[i-1] != '{') {
				rest[0], rest[1] = '{', '{'
				rest[n-2], rest[n-1] = '}', '}'
				root, _, _ := bytes.Cut(name, []byte("."))
				res.Placeholders = append(res.Placeholders, placeholder{
					Name: string(name), Root: string(root), Line: line, Col: i - lineStart + 1,
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

// matchPlaceholder reports the length of the placeholder at the start of b
// (which starts with "<%") and its name, or 0 when there is none.
func matchPlaceholder(b []byte) (int, []byte) {
	j := 2
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	start := j
	for first := true; ; first = false {
		k := j
		if k < len(b) && (isLetter(b[k]) || (!first && isDigit(b[k]))) {
			for k++; k < len(b) && (isLetter(b[k]) || isDigit(b[k])); k++ {
			}
		}
		if k == j {
			return 0, nil // an empty segment, or a name starting with a digit
		}
		j = k
		if j < len(b) && b[j] == '.' {
			j++
			continue
		}
		break
	}
	end := j
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	if !bytes.HasPrefix(b[j:], []byte("%>")) {
		return 0, nil
	}
	return j + 2, b[start:end]
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
