package demo

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miniweb/miniweb/framework"
)

// maxNote bounds a note on a followed stock, in characters (the table's
// CHECK says the same).
const maxNote = 500

// msgNoteLong refuses a note over maxNote.
var msgNoteLong = "A note is at most " + strconv.Itoa(maxNote) + " characters."

// watchlist answers GET /watchlist.py: the user's stocks and notes. The
// statement that reads them reads the user too, which checks the session
// (as member does, without a query of its own).
func (s *site) watchlist(r *framework.Request) (*framework.Response, error) {
	c, resp := claimAt(r, watchGate)
	if resp != nil {
		return resp, nil
	}
	ctx, cancel := s.readContext(r)
	defer cancel()
	v, msg, rows, err := s.store.watchlist(ctx, c)
	if err != nil {
		return nil, fail(err)
	}
	if resp := admit(r, watchGate, v, msg); resp != nil {
		return resp, nil
	}
	return s.watchlistPage(r, rows, "", "", "")
}

// watchlistPage renders the watch list rows. A refused note shows its
// message, and the note as typed in the form of its stock's row.
func (s *site) watchlistPage(r *framework.Request, rows []Watched, msg, code, note string) (*framework.Response, error) {
	for i := range rows {
		if msg != "" && rows[i].Code == code {
			rows[i].Note = note
		}
	}
	return framework.Render("watchlist.html", s.data(r, "watchlist", framework.Data{
		"title":      "Watch list",
		"content":    "The stocks you follow, with a note on each.",
		"rows":       rows,
		"count":      len(rows),
		"error":      msg,
		"error_code": code,
	})), nil
}

// watched looks up the stock of r's {code} for a watch-list POST: the
// signed-in user's session and the stock, or resp (a visitor's redirect), or
// an error (404 for a code not in the market).
func (s *site) watched(ctx context.Context, r *framework.Request) (c claim, st Stock, resp *framework.Response, err error) {
	c, resp, err = s.member(ctx, r, watchGate)
	if resp != nil || err != nil {
		return claim{}, st, resp, err
	}
	code := r.Param("code")
	if len(code) > maxCode {
		return claim{}, st, nil, errNoStock
	}
	st, _, err = s.store.stock(ctx, c, code)
	if errors.Is(err, sql.ErrNoRows) {
		return claim{}, st, nil, errNoStock
	}
	if err != nil {
		return claim{}, st, nil, fail(err)
	}
	return c, st, nil, nil
}

// named returns "Kweichow Moutai (600519)" for flash messages.
func named(st Stock) string { return st.Name + " (" + st.Code + ")" }

// add answers POST /add/{code}.py: follow the stock.
func (s *site) add(r *framework.Request) (*framework.Response, error) {
	ctx, cancel := s.queryContext(r)
	defer cancel()
	c, st, resp, err := s.watched(ctx, r)
	if resp != nil || err != nil {
		return resp, err
	}
	added, err := s.store.follow(ctx, c.id, st.Code)
	if err != nil {
		return nil, fail(err)
	}
	if added {
		r.Flash("info", "Now following "+named(st)+".")
	} else {
		r.Flash("info", "You already follow "+named(st)+".")
	}
	return framework.Redirect("/watchlist.py"), nil
}

// del answers POST /del/{code}.py: unfollow the stock. One not followed
// is a flash, not an error: a second click on Unfollow is no fault.
func (s *site) del(r *framework.Request) (*framework.Response, error) {
	ctx, cancel := s.queryContext(r)
	defer cancel()
	c, st, resp, err := s.watched(ctx, r)
	if resp != nil || err != nil {
		return resp, err
	}
	removed, err := s.store.unfollow(ctx, c.id, st.Code)
	if err != nil {
		return nil, fail(err)
	}
	if removed {
		r.Flash("info", "Unfollowed "+named(st)+".")
	} else {
		r.Flash("info", named(st)+" was not on your watch list.")
	}
	return framework.Redirect("/watchlist.py"), nil
}

// update answers POST /update/{code}.py with the form field note: set the
// note on a followed stock, its surrounding spaces trimmed. A note too
// long is the watch list again (422) with a message, and the note as
// typed; a stock not followed is a flash that says so.
func (s *site) update(r *framework.Request) (*framework.Response, error) {
	ctx, cancel := s.queryContext(r)
	defer cancel()
	c, st, resp, err := s.watched(ctx, r)
	if resp != nil || err != nil {
		return resp, err
	}
	note := strings.TrimSpace(r.FormValue("note"))
	if utf8.RuneCountInString(note) > maxNote {
		_, _, rows, err := s.store.watchlist(ctx, c) // checked just now, by watched
		if err != nil {
			return nil, fail(err)
		}
		resp, err := s.watchlistPage(r, rows, msgNoteLong, st.Code, note)
		if resp != nil {
			resp.Status = 422
		}
		return resp, err
	}
	found, err := s.store.setNote(ctx, c.id, st.Code, note)
	if err != nil {
		return nil, fail(err)
	}
	switch {
	case !found:
		r.Flash("error", "Follow "+named(st)+" first to keep a note on it.")
	case note == "":
		r.Flash("info", "Note on "+named(st)+" removed.")
	default:
		r.Flash("info", "Note on "+named(st)+" saved.")
	}
	return framework.Redirect("/watchlist.py"), nil
}
