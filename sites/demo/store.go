package demo

import (
	"context"
	"database/sql"
	"errors"

	"github.com/miniweb/miniweb/framework/database"
)

// store is the demo's data in its SQL database: the tables of Migrations.
// Every query takes its input as parameters, never as SQL text, and is
// written once, with ? placeholders, for both databases; it is rebound
// once, in newStore, and prepared once, on its first use (see
// database.Stmt): parsing and planning were a fifth of the CPU of a
// signed-in watch list. On SQLite that halves the CPU of its two
// statements (BenchmarkWatchlistPage: 46 -> 24 µs); on PostgreSQL it is
// unchanged, pgx caching statements per connection already. Methods take
// the request's context, bounded by the caller (see site.queryContext and
// site.readContext). A nil *store is a site built without a database
// (server -check): its methods return errNoDatabase.
type store struct {
	db *database.DB
	q  queries
	// cache is the market in memory (marketcache.go).
	cache *marketCache
}

// queries are the store's statements, prepared for its database.
type queries struct {
	// marketClaim reads the market's version, the session's check and
	// the codes its user follows; marketRows the stocks, in the order of
	// its key, one statement per sort of /center.py (marketOrders), when
	// the copy in memory is not of that version (marketcache.go).
	marketClaim *database.Stmt
	marketRows  map[string]*database.Stmt

	createUser  *database.Stmt
	userByName  *database.Stmt
	userByID    *database.Stmt // the check of a session on the pages that run no other statement
	password    *database.Stmt
	setPassword *database.Stmt
	endSessions *database.Stmt

	watchlist *database.Stmt // the market's version, the session's check, and the stocks its user follows
	follow    *database.Stmt
	unfollow  *database.Stmt
	setNote   *database.Stmt
}

// marketOrders are the sorts of /center.py?sort=...: ORDER BY clauses
// chosen from this table by key, never made from the request. Codes and
// names ascending (names in the database's collation: by code point on
// SQLite, by the database's locale on PostgreSQL); prices and changes from
// the highest; ties by code.
var marketOrders = map[string]string{
	"code":   "s.code",
	"name":   "s.name, s.code",
	"price":  "s.price DESC, s.code",
	"change": "s.change_pct DESC, s.code",
}

// errNoDatabase is the store's error when the site was built without a
// database: a 503 page, should it ever serve.
var errNoDatabase = errors.New("demo: the site was built without a database (server -check)")

// newStore returns the store on db, its statements rebound for db's
// dialect, to be prepared on their first use; db.Close closes them.
func newStore(db *database.DB) *store {
	cache, marketRows := newMarketCache(db)
	q := queries{
		marketClaim: db.Prepared(marketClaimQuery),
		marketRows:  marketRows,

		// ON CONFLICT DO NOTHING: a taken name returns no row, without an
		// error to tell from others.
		createUser: db.Prepared("INSERT INTO users (name, password_hash) VALUES (?, ?) ON CONFLICT (name) DO NOTHING RETURNING id"),
		userByName: db.Prepared("SELECT id, password_hash, session_generation FROM users WHERE name = ?"),
		userByID:   db.Prepared("SELECT name, session_generation FROM users WHERE id = ?"),
		password:   db.Prepared("SELECT password_hash FROM users WHERE id = ?"),
		// Both UPDATEs act only for a current session, and return the
		// generation its cookie is to carry from now on: of two devices
		// ending each other's sessions at once, one wins.
		setPassword: db.Prepared(`UPDATE users SET password_hash = ?, session_generation = session_generation + 1
WHERE id = ? AND name = ? AND session_generation = ? RETURNING session_generation`),
		endSessions: db.Prepared(`UPDATE users SET session_generation = session_generation + 1
WHERE id = ? AND name = ? AND session_generation = ? RETURNING session_generation`),

		// The session's check and the page in one statement (one read
		// transaction, one WAL read lock on SQLite; one round trip on
		// PostgreSQL), the stocks' names and prices from the market in
		// memory at the version read. A user who follows nothing is one
		// row with no code; one that is gone, one of FALSEs.
		watchlist: db.Prepared(watchlistQuery),
		follow:    db.Prepared("INSERT INTO watchlist (user_id, code) VALUES (?, ?) ON CONFLICT (user_id, code) DO NOTHING RETURNING code"),
		unfollow:  db.Prepared("DELETE FROM watchlist WHERE user_id = ? AND code = ?"),
		setNote:   db.Prepared("UPDATE watchlist SET note = ? WHERE user_id = ? AND code = ?"),
	}
	return &store{db: db, q: q, cache: cache}
}

// market returns every stock in the order of sort, a key of marketOrders
// (another is "code"), each flagged when the user of session c follows
// it, and what the same statement found of c. The stocks come from
// memory while the market is unchanged (marketcache.go).
func (st *store) market(ctx context.Context, c claim, sort string) ([]Stock, verdict, error) {
	if st == nil {
		return nil, unchecked, errNoDatabase
	}
	if _, ok := marketOrders[sort]; !ok {
		sort = "code"
	}
	cl, err := st.marketClaim(ctx, c)
	if err != nil {
		return nil, unchecked, err
	}
	m, err := st.marketAt(ctx, sort, cl.version)
	if err != nil {
		return nil, unchecked, err
	}
	out := make([]Stock, len(m.stocks))
	for i, s := range m.stocks {
		s.Followed = cl.followed[s.Code]
		out[i] = s
	}
	return out, cl.verdict, nil
}

// stock returns the stock code, flagged when the user of session c
// follows it, and what the same statement found of c; sql.ErrNoRows when
// there is none (and the verdict unchecked).
func (st *store) stock(ctx context.Context, c claim, code string) (Stock, verdict, error) {
	if st == nil {
		return Stock{}, unchecked, errNoDatabase
	}
	cl, err := st.marketClaim(ctx, c)
	if err != nil {
		return Stock{}, unchecked, err
	}
	m, err := st.marketAt(ctx, "code", cl.version)
	if err != nil {
		return Stock{}, unchecked, err
	}
	i, ok := m.at[code]
	if !ok {
		return Stock{}, unchecked, sql.ErrNoRows
	}
	s := m.stocks[i]
	s.Followed = cl.followed[code]
	return s, cl.verdict, nil
}

// createUser adds the user name with its password hash and returns its
// id; ok is false when the name is taken.
func (st *store) createUser(ctx context.Context, name string, hash []byte) (id int64, ok bool, err error) {
	if st == nil {
		return 0, false, errNoDatabase
	}
	err = st.q.createUser.QueryRowContext(ctx, name, string(hash)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// userByName returns the id, password hash and session generation of the
// user name; sql.ErrNoRows when there is none.
func (st *store) userByName(ctx context.Context, name string) (id int64, hash []byte, gen int64, err error) {
	if st == nil {
		return 0, nil, 0, errNoDatabase
	}
	var h string
	err = st.q.userByName.QueryRowContext(ctx, name).Scan(&id, &h, &gen)
	return id, []byte(h), gen, err
}

// userByID returns the name and session generation of user id;
// sql.ErrNoRows when there is none.
func (st *store) userByID(ctx context.Context, id int64) (name string, gen int64, err error) {
	if st == nil {
		return "", 0, errNoDatabase
	}
	err = st.q.userByID.QueryRowContext(ctx, id).Scan(&name, &gen)
	return name, gen, err
}

// password returns the password hash of user id; sql.ErrNoRows when there
// is none.
func (st *store) password(ctx context.Context, id int64) ([]byte, error) {
	if st == nil {
		return nil, errNoDatabase
	}
	var h string
	if err := st.q.password.QueryRowContext(ctx, id).Scan(&h); err != nil {
		return nil, err
	}
	return []byte(h), nil
}

// setPassword sets the password hash of the user of session c and ends
// every session of the user, c's included: it returns the generation
// that c's cookie is to carry to stay signed in. ok is false, and nothing
// changed, when c was no longer current.
func (st *store) setPassword(ctx context.Context, c claim, hash []byte) (gen int64, ok bool, err error) {
	if st == nil {
		return 0, false, errNoDatabase
	}
	return scanGen(st.q.setPassword.QueryRowContext(ctx, string(hash), c.id, c.name, c.gen))
}

// endSessions ends every session of the user of session c, every copy of
// every cookie on every instance, c's included: it returns the generation
// that c's cookie is to carry to stay signed in. ok is false, and nothing
// changed, when c was no longer current: a stale cookie ends nothing.
func (st *store) endSessions(ctx context.Context, c claim) (gen int64, ok bool, err error) {
	if st == nil {
		return 0, false, errNoDatabase
	}
	return scanGen(st.q.endSessions.QueryRowContext(ctx, c.id, c.name, c.gen))
}

// scanGen reads the generation an UPDATE ... RETURNING gave; ok is false
// when it updated no row.
func scanGen(row *sql.Row) (gen int64, ok bool, err error) {
	err = row.Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return gen, err == nil, err
}

// watchlistQuery reads the market's version, whether user ? has the
// session's name ? and generation ?, and the codes and notes of the
// stocks it follows, by code. Two booleans rather than the user's name
// and generation, which each row would carry: a string fewer to make per
// row, and the name is not shown (the session has it).
const watchlistQuery = `SELECT m.version, COALESCE(u.name = ?, FALSE), COALESCE(u.session_generation = ?, FALSE),
w.code, COALESCE(w.note, '')
FROM market_version m
LEFT JOIN users u ON u.id = ?
LEFT JOIN watchlist w ON w.user_id = u.id
ORDER BY w.code`

// watchlist returns the database's verdict on session c, with the flash
// of a stale one (as judge), and the stocks c's user follows, by code,
// each with its note, name and price, read in one statement: the names
// and prices come from the market in memory at the version the statement
// read (marketcache.go), read again when that copy is older. A stale
// session gets no rows.
func (st *store) watchlist(ctx context.Context, c claim) (v verdict, msg string, rows []Watched, err error) {
	if st == nil {
		return unchecked, "", nil, errNoDatabase
	}
	q, err := st.q.watchlist.QueryContext(ctx, c.name, c.gen, c.id)
	if err != nil {
		return unchecked, "", nil, err
	}
	defer q.Close()
	var version int64
	var named, sameGen bool
	var codes [16]struct{ code, note string } // five on the load tests' page
	list := codes[:0]
	found := false
	for q.Next() {
		var code sql.NullString
		var note string
		if err := q.Scan(&version, &named, &sameGen, &code, &note); err != nil {
			return unchecked, "", nil, err
		}
		found = true
		if code.Valid {
			list = append(list, struct{ code, note string }{code.String, note})
		}
	}
	if err := q.Err(); err != nil {
		return unchecked, "", nil, err
	}
	switch {
	case !found:
		return unchecked, "", nil, errNoVersion
	case !named:
		return stale, msgUserGone, nil, nil
	case !sameGen:
		return stale, msgSessionEnded, nil, nil
	}
	m, err := st.marketAt(ctx, "code", version)
	if err != nil {
		return unchecked, "", nil, err
	}
	rows = make([]Watched, 0, len(list))
	for _, w := range list {
		i, ok := m.at[w.code]
		if !ok {
			continue // gone from the market since (a later version's copy)
		}
		s := &m.stocks[i]
		rows = append(rows, Watched{Code: s.Code, Name: s.Name, Price: s.Price, PriceText: s.PriceText, Note: w.note})
	}
	return current, "", rows, nil
}

// follow adds the stock code to user's watch list; added is false when it
// was there already, which leaves the row (and its note) as it was. The
// stock must exist (a foreign key).
func (st *store) follow(ctx context.Context, user int64, code string) (added bool, err error) {
	if st == nil {
		return false, errNoDatabase
	}
	var got string
	err = st.q.follow.QueryRowContext(ctx, user, code).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// unfollow removes the stock code from user's watch list; removed is false
// when it was not there.
func (st *store) unfollow(ctx context.Context, user int64, code string) (removed bool, err error) {
	if st == nil {
		return false, errNoDatabase
	}
	return st.exec(ctx, st.q.unfollow, user, code)
}

// setNote sets user's note on the stock code; found is false when user
// does not follow it.
func (st *store) setNote(ctx context.Context, user int64, code, note string) (found bool, err error) {
	if st == nil {
		return false, errNoDatabase
	}
	return st.exec(ctx, st.q.setNote, note, user, code)
}

// exec runs a statement and reports whether it changed a row.
func (st *store) exec(ctx context.Context, stmt *database.Stmt, args ...any) (bool, error) {
	if st == nil {
		return false, errNoDatabase
	}
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
