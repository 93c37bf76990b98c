package demo

import (
	"database/sql"
	"errors"
	"strconv"

	"github.com/miniweb/miniweb/framework"
)

func (s *site) index(r *framework.Request) (framework.Data, error) {
	ctx, cancel := s.readContext(r)
	defer cancel()
	c, _ := claimOf(r)
	stocks, v, err := s.store.market(ctx, c, "change")
	if err != nil {
		return nil, fail(err)
	}
	settle(r, v, msgSessionEnded)
	d := s.data(r, "index", framework.Data{
		"title":   "Home",
		"content": "This month's market in detail: " + strconv.Itoa(len(stocks)) + " stocks, updated as you watch.",
		"today":   s.now().Format("Monday 2 January 2006"),
		"best":    nil,
		"worst":   nil,
	})
	if len(stocks) > 0 {
		// By change, the highest first.
		d["best"], d["worst"] = stocks[0], stocks[len(stocks)-1]
	}
	return d, nil
}

// columns are the market table's, each a sort order of /center.py (see
// marketOrders).
var columns = []framework.Data{
	{"key": "code", "label": "Code", "num": false},
	{"key": "name", "label": "Name", "num": false},
	{"key": "price", "label": "Price (¥)", "num": true},
	{"key": "change", "label": "Change", "num": true},
}

func (s *site) center(r *framework.Request) (framework.Data, error) {
	key := r.Query("sort")
	if _, ok := marketOrders[key]; !ok {
		key = "code"
	}
	ctx, cancel := s.readContext(r)
	defer cancel()
	c, _ := claimOf(r)
	rows, v, err := s.store.market(ctx, c, key)
	if err != nil {
		return nil, fail(err)
	}
	settle(r, v, msgSessionEnded)
	return s.data(r, "center", framework.Data{
		"title":      "Market",
		"content":    "Data from the database: the site's table of stocks, as the lesson's center.py promised.",
		"stocks":     rows,
		"count":      len(rows),
		"columns":    columns,
		"sort":       key,
		"login_href": loginHref("/center.py"),
	}), nil
}

// maxCode bounds a stock code from a path, in bytes: a longer one is no
// stock, and is not worth a query.
const maxCode = 32

// errNoStock is the 404 of a code that is not in the market.
var errNoStock = framework.Error(404, "There is no stock with that code.")

func (s *site) stock(r *framework.Request) (framework.Data, error) {
	code := r.Param("code")
	if len(code) > maxCode {
		return nil, errNoStock
	}
	ctx, cancel := s.readContext(r)
	defer cancel()
	c, _ := claimOf(r)
	st, v, err := s.store.stock(ctx, c, code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoStock
	}
	if err != nil {
		return nil, fail(err)
	}
	settle(r, v, msgSessionEnded)
	return s.data(r, "center", framework.Data{
		"title": st.Name, "content": st.About, "stock": st,
		"login_href": loginHref(r.Path),
	}), nil
}
