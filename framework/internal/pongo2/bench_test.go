package pongo2_test

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/internal/pongo2"
)

// benchContext is the data of testdata/bench/center.html, a page shaped
// as the demo's market page: a loop over maps (the menu), a loop over
// structs with a filter and an if, a flash, a function, a text to escape.
func benchContext() pongo2.Context {
	type stock struct {
		Code, Name    string
		Price, Change float64
	}
	type flash struct{ Kind, Message string }
	nav := []map[string]string{}
	for _, l := range [][3]string{{"index", "/index.py", "Home"}, {"center", "/center.py", "Market"},
		{"watchlist", "/watchlist.py", "Watch list"}, {"about", "/about.py", "About"}, {"contact", "/contact.py", "Contact"}} {
		nav = append(nav, map[string]string{"key": l[0], "href": l[1], "label": l[2]})
	}
	return pongo2.Context{
		"site_name": "miniweb demo",
		"static":    func(name string) string { return "/" + name + "?v=1a2b3c" },
		"title":     "Market",
		"content":   "Prices from the site's in-memory table <updated hourly>.",
		"user":      "ada",
		"page":      "center",
		"nav":       nav,
		"flashes":   []flash{{"info", "Saved & done."}},
		"stocks": []stock{
			{"600519", "Kweichow Moutai", 1688.5, 1.25}, {"000001", "Ping An Bank", 11.23, -0.42},
			{"600036", "China Merchants Bank", 33.8, 0.61}, {"000858", "Wuliangye", 142.07, -1.3},
			{"601318", "Ping An Insurance", 47.15, 0.08},
		},
	}
}

// BenchmarkRender renders testdata/bench/center.html, compiled once; the
// golden output is checked first. Besides ns/op it reports cpu-ns/op, the
// CPU time (user and system, from getrusage) per render: on a busy
// machine wall time counts the waits for a core too.
func BenchmarkRender(b *testing.B) {
	set := pongo2.NewSet("bench", pongo2.MustNewLocalFileSystemLoader("testdata/bench"))
	tpl, err := set.FromFile("center.html")
	if err != nil {
		b.Fatal(err)
	}
	ctx := benchContext()
	out, err := tpl.ExecuteBytes(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, want := range []string{`<td>Kweichow Moutai</td><td>1688.50</td><td class="up">1.25%</td>`,
		`class="down">-0.42%`, `aria-current="page">Market</a>`, `href="/style.css?v=1a2b3c"`,
		`&lt;updated hourly&gt;`, `Saved &amp; done.`, `<strong>ada</strong>`} {
		if !bytes.Contains(out, []byte(want)) {
			b.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		if _, err := tpl.ExecuteBytes(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime returns the CPU time, user and system, the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
