package demo

import (
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/database"
)

// benchCodes are the stocks the benchmarks' user follows: five, as
// loadtest/database.sh's user does.
var benchCodes = []string{"000001", "000858", "300750", "600036", "600519"}

// benchStore returns the store on a fresh, migrated database of backend
// b, with the user "bench" (its id) following benchCodes.
func benchStore(b *testing.B, url string) (*store, int64) {
	b.Helper()
	st := newStore(openDB(b, url, database.Options{}))
	ctx := b.Context()
	id, ok, err := st.createUser(ctx, "bench", []byte("not a real hash"))
	if err != nil || !ok {
		b.Fatalf("createUser: %v %v", ok, err)
	}
	for _, code := range benchCodes {
		if added, err := st.follow(ctx, id, code); err != nil || !added {
			b.Fatalf("follow %s: %v %v", code, added, err)
		}
	}
	return st, id
}

// cpuTime returns the CPU time, user and system, the process has used so
// far: every goroutine's (the driver's, the collector's), as the load
// tests count a request's cost; for PostgreSQL, the client's side only.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start as cpu-ns/op:
// on a busy machine, wall time counts the waits for a core too.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkWatchlistPage runs the statements of a signed-in GET
// /watchlist.py through the store, on each database: the user's name and
// generation, which check the session, and the user's five stocks, in one
// statement (two, userByID then the list, before 2026-12-08: on SQLite
// 23.7 -> 17.6 µs of CPU, 93 -> 81 allocations). Since the watch lists in
// memory (watchcache.go) that statement is of one row, the list read
// again only after a change: on SQLite 9.7 -> 5.3 µs, on PostgreSQL
// 19.5 -> 14.0 (our side). It checks each answer: the verdict, and the
// five codes in order.
func BenchmarkWatchlistPage(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st, id := benchStore(b, be.url(b))
			b.ReportAllocs()
			start := cpuTime(b)
			for b.Loop() {
				ctx, cancel := st.db.ReadContext(b.Context(), time.Minute) // as the page does
				v, _, rows, err := st.watchlist(ctx, claim{id, "bench", 0})
				cancel()
				if err != nil || v != current || len(rows) != len(benchCodes) {
					b.Fatalf("watchlist = %v, %d rows, %v", v, len(rows), err)
				}
				for i, w := range rows {
					if w.Code != benchCodes[i] {
						b.Fatalf("watchlist row %d: %q, want %q", i, w.Code, benchCodes[i])
					}
				}
			}
			reportCPU(b, start)
		})
	}
}

// BenchmarkFollow runs the statements of POST /add/{code}.py through the
// store, on each database: the check of the session's user, the stock,
// and the insert into the watch list, which must add it; then the
// unfollow of /del/{code}.py, so that the next add adds again.
func BenchmarkFollow(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st, id := benchStore(b, be.url(b))
			ctx := b.Context()
			const code = "601318" // not in benchCodes
			b.ReportAllocs()
			start := cpuTime(b)
			for b.Loop() {
				if name, gen, err := st.userByID(ctx, id); err != nil || name != "bench" || gen != 0 {
					b.Fatalf("userByID = %q, %d, %v", name, gen, err)
				}
				s, v, err := st.stock(ctx, claim{id, "bench", 0}, code)
				if err != nil || s.Code != code || s.Followed || v != current {
					b.Fatalf("stock = %+v, %v, %v", s, v, err)
				}
				if added, err := st.follow(ctx, id, s.Code); err != nil || !added {
					b.Fatalf("follow: %v %v", added, err)
				}
				if removed, err := st.unfollow(ctx, id, s.Code); err != nil || !removed {
					b.Fatalf("unfollow: %v %v", removed, err)
				}
			}
			reportCPU(b, start)
		})
	}
}

// BenchmarkMarketPage runs the statements of a signed-in GET /center.py
// through the store, on each database: the seven stocks, five of them
// flagged as followed, and the session's check. It checks each answer.
// Since the market in memory (marketcache.go), the stocks come from the
// copy and the statement reads only the version, the check and the
// follows.
func BenchmarkMarketPage(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st, id := benchStore(b, be.url(b))
			c := claim{id, "bench", 0}
			b.ReportAllocs()
			start := cpuTime(b)
			for b.Loop() {
				ctx, cancel := st.db.ReadContext(b.Context(), time.Minute) // as the page does
				stocks, v, err := st.market(ctx, c, "code")
				cancel()
				if err != nil || v != current || len(stocks) != 7 {
					b.Fatalf("market: %d stocks, %v, %v", len(stocks), v, err)
				}
				followed := 0
				for _, s := range stocks {
					if s.Followed {
						followed++
					}
				}
				if followed != len(benchCodes) {
					b.Fatalf("market: %d followed, want %d", followed, len(benchCodes))
				}
			}
			reportCPU(b, start)
		})
	}
}
