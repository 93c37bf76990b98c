package framework

// A Figure is a number a site keeps about itself for the server's
// metrics, read at each scrape: how many requests wait for the password
// hasher, how many it turned away. The server's metrics endpoint shows
// the figures of App.Figures under their names, beside its own.
type Figure struct {
	// Name is the metric name: lower case, words joined by "_", the
	// site's name first and a unit or "_total" last, such as
	// "demo_hash_gate_waiting" or "demo_hash_gate_refused_total".
	Name string
	// Help says what it counts, one line.
	Help string
	// Counter says it only grows (a count since the start); else it is a
	// level now (a gauge).
	Counter bool
	// Value reads it; it must be safe to call from any goroutine.
	Value func() float64
}

// Figure adds f to the figures the server's metrics show. Call it while
// setting the site up, as Page and Handle. It panics on a Figure without
// a name or a Value, a programmer's error.
func (a *App) Figure(f Figure) {
	if f.Name == "" || f.Value == nil {
		panic("framework: Figure needs a Name and a Value")
	}
	a.figures = append(a.figures, f)
}

// Figures returns the figures added with Figure, in that order.
func (a *App) Figures() []Figure { return a.figures }
