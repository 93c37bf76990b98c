package database

import (
	"strconv"
	"strings"
)

// Rebind returns query with its ? placeholders written as the database
// wants them: unchanged for SQLite, $1, $2, … for PostgreSQL. A ? inside a
// quoted string or identifier ('…', "…") or a comment is left alone; a
// numbered ?NNN becomes $NNN.
//
//	db.Rebind("SELECT note FROM watch WHERE user_id = ? AND code = ?")
//	// PostgreSQL: SELECT note FROM watch WHERE user_id = $1 AND code = $2
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres {
		return query
	}
	return rebindDollar(query)
}

// rebindDollar numbers the ? placeholders of query as $1, $2, ….
func rebindDollar(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			// A quoted string or identifier, its quote doubled inside.
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			end := len(query)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(query[i:end])
			i = end - 1
		case c == '?' && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9':
			// SQLite's numbered ?NNN is PostgreSQL's $NNN.
			b.WriteByte('$')
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
