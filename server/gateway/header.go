package gateway

// Field is one header field: a name and its value, as sent or to be sent.
type Field struct {
	Name  string
	Value string
}

// Fields is a list of header fields in wire order. Names compare without
// regard to ASCII case.
type Fields []Field

// Get returns the value of the first field named name, or "" if there is
// none.
func (h Fields) Get(name string) string {
	v, _ := h.Lookup(name)
	return v
}

// Lookup returns the value of the first field named name and whether there
// was one.
func (h Fields) Lookup(name string) (string, bool) {
	for i := range h {
		if EqualFold(h[i].Name, name) {
			return h[i].Value, true
		}
	}
	return "", false
}

// Values returns the values of every field named name, in order.
func (h Fields) Values(name string) []string {
	var vs []string
	for i := range h {
		if EqualFold(h[i].Name, name) {
			vs = append(vs, h[i].Value)
		}
	}
	return vs
}

// EqualFold reports whether a and b are equal under ASCII case folding, as
// header names and other tokens compare (RFC 9110 §5.1): "content-length"
// and "Content-Length" are equal. Header names are ASCII tokens; unlike
// strings.EqualFold this does not treat non-ASCII letters (such as the
// Kelvin sign) as equal to ASCII ones.
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
