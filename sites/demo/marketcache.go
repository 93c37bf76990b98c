package demo

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync/atomic"

	"github.com/miniweb/miniweb/framework/database"
)

// The market in memory.
//
// Every market page (/index.py, /center.py, /stock/{code}.py, and the
// watch list's POSTs, which look their stock up) shows the stocks table,
// which changes rarely, beside what changes per visitor (which stocks they
// follow, whether their session is current). The store keeps a copy of the
// stocks, in each sort order of marketOrders as the database sorted them
// (its collation), tagged with market_version.version (migration 0007),
// which a trigger adds one to in every transaction that changes the
// stocks, on whichever instance or tool made it. A page then runs one
// small statement, marketClaim: the version, the visitor's session check
// and the codes they follow, in one snapshot. The copy serves when its
// version is the one read; otherwise the stocks are read again, with their
// version, in one statement, and the copy replaced. So a change made
// anywhere shows on the next page, on every instance (TestMarketCopy),
// and a page never mixes two versions of the market.
//
// A database restored from a backup goes back to an earlier version with
// the stocks of that version, which a copy of a later one does not match.

// marketCopy is the stocks at a version, in one sort order.
type marketCopy struct {
	version int64
	stocks  []Stock // Followed false
	// at indexes stocks by code.
	at map[string]int
}

// marketCache holds a marketCopy per sort key of marketOrders.
type marketCache struct {
	copies map[string]*atomic.Pointer[marketCopy]
	// loads counts the reads of the stocks, for tests.
	loads atomic.Int64
}

// The statements of the market in memory.
const (
	// marketClaimQuery reads the market's version, whether the session of
	// user ?, name ?, generation ? is current, and the codes that user
	// follows (none: one row, code NULL). A visitor's session is user 0,
	// which no user is.
	marketClaimQuery = `SELECT m.version, u.id IS NOT NULL, w.code
FROM market_version m
LEFT JOIN users u ON u.id = ? AND u.name = ? AND u.session_generation = ?
LEFT JOIN watchlist w ON w.user_id = u.id`
	// marketRowsQuery reads the version and the stocks, in one snapshot;
	// an empty market is one row of NULLs past the version.
	marketRowsQuery = `SELECT m.version, s.code, COALESCE(s.name, ''), COALESCE(s.industry, ''), COALESCE(s.price, 0),
COALESCE(s.change_pct, 0), COALESCE(s.about, '')
FROM market_version m LEFT JOIN stocks s ON 1 = 1
ORDER BY `
)

// newMarketCache returns an empty cache, and the statements that read the
// stocks in each order of marketOrders, prepared on db.
func newMarketCache(db *database.DB) (*marketCache, map[string]*database.Stmt) {
	c := &marketCache{copies: make(map[string]*atomic.Pointer[marketCopy], len(marketOrders))}
	rows := make(map[string]*database.Stmt, len(marketOrders))
	for key, order := range marketOrders {
		c.copies[key] = new(atomic.Pointer[marketCopy])
		rows[key] = db.Prepared(marketRowsQuery + order)
	}
	return c, rows
}

// claimed is what marketClaim read: the version, the verdict on the
// session, and the codes its user follows.
type claimed struct {
	version  int64
	verdict  verdict
	followed map[string]bool
}

// marketClaim reads the market's version and what the database has of
// session c (see marketClaimQuery).
func (st *store) marketClaim(ctx context.Context, c claim) (claimed, error) {
	rows, err := st.q.marketClaim.QueryContext(ctx, c.id, c.name, c.gen)
	if err != nil {
		return claimed{}, err
	}
	defer rows.Close()
	var out claimed
	found := false
	for rows.Next() {
		var current bool
		var code sql.NullString
		if err := rows.Scan(&out.version, &current, &code); err != nil {
			return claimed{}, err
		}
		found = true
		out.verdict = verdictOf(current)
		if code.Valid {
			if out.followed == nil {
				out.followed = make(map[string]bool)
			}
			out.followed[code.String] = true
		}
	}
	if err := rows.Err(); err != nil {
		return claimed{}, err
	}
	if !found {
		return claimed{}, errNoVersion
	}
	return out, nil
}

// errNoVersion is the error of a database whose market_version row is
// gone: a 500, as any schema fault.
var errNoVersion = errors.New("demo: market_version has no row: the database's schema is not the demo's (migration 0007)")

// marketAt returns the stocks in the order of sort (a key of
// marketOrders) at version, from memory when the copy is of that version,
// else read again (then of that version or a later one).
func (st *store) marketAt(ctx context.Context, sort string, version int64) (*marketCopy, error) {
	slot := st.cache.copies[sort]
	if m := slot.Load(); m != nil && m.version == version {
		return m, nil
	}
	st.cache.loads.Add(1)
	rows, err := st.q.marketRows[sort].QueryContext(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := &marketCopy{at: map[string]int{}}
	found := false
	for rows.Next() {
		var s Stock
		var code sql.NullString
		if err := rows.Scan(&m.version, &code, &s.Name, &s.Industry, &s.Price, &s.Change, &s.About); err != nil {
			return nil, err
		}
		found = true
		if code.Valid {
			s.Code = code.String
			s.PriceText = strconv.FormatFloat(s.Price, 'f', 2, 64) // pongo2's floatformat:2
			m.at[s.Code] = len(m.stocks)
			m.stocks = append(m.stocks, s)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, errNoVersion
	}
	slot.Store(m)
	return m, nil
}
