package framework

import "testing"

// TestRequestAllocs guards the framework's cost of a request to a handler
// returning bytes, with no template (issue 24):
//
//   - a GET allocates at most 4 times, the handler's own Response
//     included (today 2: the Request and the Response);
//   - a POST form through the CSRF check at most 8: the GET's, the body,
//     its string, the form's map (two), one slice for its values, and one
//     value with an escape to undo;
//   - reading a session adds its decoded values alone: one string holding
//     them all and the slice of its pairs.
//
// It is not parallel: testing.AllocsPerRun counts the allocations of the
// whole process.
func TestRequestAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	app := benchRequestApp(t)
	allocs := map[string]float64{}
	for _, c := range benchCases(t, app) {
		if status, out := c.serve(app); status != "200 OK" || string(out) != string(benchHello) {
			t.Fatalf("%s: %s %q", c.name, status, out)
		}
		allocs[c.name] = testing.AllocsPerRun(100, func() { c.serve(app) })
	}
	if n := allocs["get"]; n > 4 {
		t.Errorf("a GET to a handler returning bytes allocates %v times, want at most 4", n)
	}
	if n := allocs["post-form"]; n > 8 {
		t.Errorf("a POST form allocates %v times, want at most 8", n)
	}
	if n := allocs["session"] - allocs["get"]; n > 2 {
		t.Errorf("reading a session costs %v allocations more than a GET, want 2 at most (its values)", n)
	}
}
