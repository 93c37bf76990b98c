package metrics

import (
	"bufio"
	"strconv"
	"strings"
)

// textWriter writes metric families in the text exposition format:
//
//	# HELP http_requests_total Requests answered, by route, method and status class.
//	# TYPE http_requests_total counter
//	http_requests_total{route="static",method="GET",status="2xx"} 12
type textWriter struct {
	w *bufio.Writer
}

// family writes a family's HELP and TYPE lines.
func (t textWriter) family(name, typ, help string) {
	t.w.WriteString("# HELP ")
	t.w.WriteString(name)
	t.w.WriteByte(' ')
	t.w.WriteString(escapeHelp(help))
	t.w.WriteString("\n# TYPE ")
	t.w.WriteString(name)
	t.w.WriteByte(' ')
	t.w.WriteString(typ)
	t.w.WriteByte('\n')
}

// sample writes one sample: name, labels as name/value pairs, the value.
func (t textWriter) sample(name string, value float64, labels ...string) {
	t.w.WriteString(name)
	if len(labels) > 0 {
		t.w.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				t.w.WriteByte(',')
			}
			t.w.WriteString(labels[i])
			t.w.WriteString(`="`)
			t.w.WriteString(escapeLabel(labels[i+1]))
			t.w.WriteByte('"')
		}
		t.w.WriteByte('}')
	}
	t.w.WriteByte(' ')
	t.w.WriteString(formatValue(value))
	t.w.WriteByte('\n')
}

// one writes a family of a single sample without labels.
func (t textWriter) one(name, typ, help string, value float64) {
	t.family(name, typ, help)
	t.sample(name, value)
}

// formatValue writes v as the format wants: integers without an exponent,
// +Inf as "+Inf".
func formatValue(v float64) string {
	switch {
	case v > 1e300:
		return "+Inf"
	case v == float64(int64(v)) && v < 1<<53 && v > -(1<<53):
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// escapeLabel escapes a label value: backslash, double quote and line
// feed.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

// escapeHelp escapes a HELP text: backslash and line feed.
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeHelp(s string) string { return helpEscaper.Replace(s) }
