package database

import (
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"none", "SELECT 1", "SELECT 1"},
		{"two", "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{"adjacent", "VALUES (?,?,?)", "VALUES ($1,$2,$3)"},
		{"in_string", "SELECT '?' , ? FROM t", "SELECT '?' , $1 FROM t"},
		{"doubled_quote", "SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"},
		{"in_identifier", `SELECT "a?b" FROM t WHERE x = ?`, `SELECT "a?b" FROM t WHERE x = $1`},
		{"line_comment", "SELECT ? -- why?\nFROM t WHERE x = ?", "SELECT $1 -- why?\nFROM t WHERE x = $2"},
		{"line_comment_at_end", "SELECT ? -- why?", "SELECT $1 -- why?"},
		{"block_comment", "SELECT /* ? */ ?", "SELECT /* ? */ $1"},
		{"unterminated_string", "SELECT ?, 'abc?", "SELECT $1, 'abc?"},
		{"unterminated_comment", "SELECT ? /* ?", "SELECT $1 /* ?"},
		{"numbered", "SELECT ?2, ?1, ?2", "SELECT $2, $1, $2"},
		{"ten", strings.Repeat("?,", 10), "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,"},
	}
	pg, lite := &DB{Dialect: Postgres}, &DB{Dialect: SQLite}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pg.Rebind(tt.in); got != tt.want {
				t.Errorf("Rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := lite.Rebind(tt.in); got != tt.in {
				t.Errorf("SQLite Rebind(%q) = %q, want it unchanged", tt.in, got)
			}
		})
	}
}

// FuzzRebind checks Rebind against its inverse: turning each $N it wrote
// back into ? gives the query again, the Ns count 1, 2, ... in order, and
// text outside placeholders is kept byte for byte.
func FuzzRebind(f *testing.F) {
	for _, s := range []string{"SELECT ?", "'?' ?", `"?" ? -- ?` + "\n?", "/* ? */ ?", "?'", "$1 ?", "-", "/*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if strings.Contains(q, "$") {
			return // $ in the input would be ambiguous with what Rebind writes
		}
		for i := 0; i+1 < len(q); i++ {
			if q[i] == '?' && q[i+1] >= '0' && q[i+1] <= '9' {
				return // a numbered ?NNN: written as $NNN, checked by TestRebind
			}
		}
		got := rebindDollar(q)
		var back strings.Builder
		n := 0
		for i := 0; i < len(got); i++ {
			if got[i] != '$' {
				back.WriteByte(got[i])
				continue
			}
			j := i + 1
			for j < len(got) && got[j] >= '0' && got[j] <= '9' {
				j++
			}
			n++
			if want := itoa(n); got[i+1:j] != want {
				t.Fatalf("rebindDollar(%q) = %q: placeholder %d written as $%s", q, got, n, got[i+1:j])
			}
			back.WriteByte('?')
			i = j - 1
		}
		if back.String() != q {
			t.Fatalf("rebindDollar(%q) = %q, which does not turn back into the query", q, got)
		}
	})
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
