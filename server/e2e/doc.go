// Package e2e tests the product end to end: the engine
// (miniweb/server/httpserver) serving the real sites (miniweb/sites) built
// on the framework (miniweb/framework), in a real browser (Chromium
// through chromedriver) with live reload, beside net/http's server, and
// behind the framework's view of trusted proxies. It uses only the
// exported API of those packages and a small harness of its own
// (harness_test.go); each of them tests itself with small applications of
// its own.
//
// The browser tests need chromium and chromedriver (.ci/setup-browser);
// they skip without them, and fail instead with MINIWEB_BROWSER=1, as CI
// runs them. The live-reload save-to-repaint figures are gathered only with
// MINIWEB_FIGURES=1:
//
//	MINIWEB_BROWSER=1 MINIWEB_FIGURES=1 go test -run 'TestLiveReloadBrowser$/figures' -v ./server/e2e/
package e2e
