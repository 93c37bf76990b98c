package framework

// Middleware wraps the handling of every request: it gets next, the rest
// of the chain, and returns a handler that may act before and after
// calling it, or answer without calling it (a login check that redirects,
// say). It sees every request the App answers, those that end in a 404,
// 405 or 500 included: their errors come back from next, and it may answer
// them otherwise. What it returns is rendered and sent after the whole
// chain has returned; a failure to render is an error page that no
// middleware sees.
//
//	func timing(next framework.HandlerFunc) framework.HandlerFunc {
//		return func(r *framework.Request) (*framework.Response, error) {
//			start := time.Now()
//			resp, err := next(r)
//			log.Printf("%s %s %v", r.Method, r.Path, time.Since(start))
//			return resp, err
//		}
//	}
type Middleware func(next HandlerFunc) HandlerFunc

// Use adds middleware around every route and the error pages. The first
// added is the outermost: with Use(a, b), a request goes through a, then
// b, then the route's handler, and its answer back through b, then a. The
// CSRF protection (Options.CSRF) is always outside them all.
// Register middleware, as routes, before the App serves.
func (a *App) Use(mw ...Middleware) {
	for _, m := range mw {
		if m == nil {
			panic("framework: nil middleware")
		}
	}
	a.middleware = append(a.middleware, mw...)
}

// Context adds a context processor, as Flask's: f's data is seen by every
// template the App renders for a request, its pages and its error pages
// alike (the signed-in user for the nav, say), under the page's own Data:
// a key the page sets wins. Processors run in the order added, once per
// rendering, and see what middleware stored in the request (Request.Value).
// Register them before the App serves.
func (a *App) Context(f func(r *Request) Data) {
	if f == nil {
		panic("framework: nil context processor")
	}
	a.contexts = append(a.contexts, f)
}

// buildChain wraps dispatch in the middleware, the first added outermost.
func (a *App) buildChain() {
	h := HandlerFunc(a.dispatch)
	for i := len(a.middleware) - 1; i >= 0; i-- {
		h = a.middleware[i](h)
	}
	a.chain = h
}
