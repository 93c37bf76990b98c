package demo

import (
	"sync"
	"sync/atomic"
)

// The watch lists in memory.
//
// A signed-in GET /watchlist.py shows the user's list, which changes only
// when someone follows, unfollows or notes a stock for that user. The
// store keeps a copy of the lists it read (the codes and notes; the
// stocks' names and prices are the market's copy's, marketcache.go), each
// tagged with users.watch_tag (migration 0008), which triggers draw anew
// in every transaction that changes the user's list, on whichever instance
// or tool made it. The page then runs one statement of one row,
// watchClaimQuery: the market's version, the session's check and the
// tag, in one snapshot. The copy serves when its tag is the one read;
// otherwise the list is read again with its tag, in one statement, and
// the copy replaced. So a change made anywhere shows on the next page, on
// every instance (TestWatchCopy), and the session is checked on every
// page as before.
//
// The copies hold at most watchBudget bytes of codes and notes: past it,
// a new copy pushes out others, arbitrary ones (a map's order), which
// costs their users a read of their list on their next page, never a
// wrong one. A user's list larger than the budget is not kept.

// watchBudget bounds the bytes of the copies of the watch lists.
const watchBudget = 8 << 20

// followed is a row of a user's watch list as the database has it: the
// stock's code and the user's note on it.
type followed struct{ code, note string }

// watchCopy is a user's list, by code, under its tag; size counts its
// bytes for watchBudget.
type watchCopy struct {
	tag  int64
	list []followed
	size int
}

// newWatchCopy returns the copy of list under tag.
func newWatchCopy(tag int64, list []followed) *watchCopy {
	size := 64 // the copy and its map entry
	for _, f := range list {
		size += 32 + len(f.code) + len(f.note)
	}
	return &watchCopy{tag: tag, list: list, size: size}
}

// watchCache holds a watchCopy per user id.
type watchCache struct {
	mu     sync.Mutex
	copies map[int64]*watchCopy
	bytes  int // the copies' sizes
	budget int
	// loads counts the reads of lists, for tests.
	loads atomic.Int64
}

// newWatchCache returns an empty cache of at most budget bytes.
func newWatchCache(budget int) *watchCache {
	return &watchCache{copies: map[int64]*watchCopy{}, budget: budget}
}

// get returns user id's list under tag, if the copy is of that tag.
func (c *watchCache) get(id, tag int64) ([]followed, bool) {
	c.mu.Lock()
	w := c.copies[id]
	c.mu.Unlock()
	if w == nil || w.tag != tag {
		return nil, false
	}
	return w.list, true
}

// put keeps w as user id's list, in place of the one kept, pushing out
// others while the copies would be over the budget.
func (c *watchCache) put(id int64, w *watchCopy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.copies[id]; old != nil {
		c.bytes -= old.size
		delete(c.copies, id)
	}
	if w.size > c.budget {
		return
	}
	for k, o := range c.copies {
		if c.bytes+w.size <= c.budget {
			break
		}
		c.bytes -= o.size
		delete(c.copies, k)
	}
	c.copies[id] = w
	c.bytes += w.size
}
