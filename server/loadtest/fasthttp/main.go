// Command fasthttp is the fasthttp peer of the load test: /hello.py
// answers "Hello, World!", /about.py renders the demo's about page with
// pongo2, and every other path is a file of -static through FSHandler.
package main

import (
	"flag"
	"log"

	"github.com/valyala/fasthttp"

	"github.com/miniweb/miniweb/server/loadtest/internal/page"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "listen address")
	dir := flag.String("static", ".", "static folder")
	tmpl := flag.String("templates", "templates", "templates folder")
	flag.Parse()
	about, err := page.Load(*tmpl, *dir)
	if err != nil {
		log.Fatal(err)
	}
	files := fasthttp.FSHandler(*dir, 0)
	hello := []byte("Hello, World!")
	handler := func(ctx *fasthttp.RequestCtx) {
		switch string(ctx.Path()) {
		case "/hello.py":
			ctx.SetContentType("text/plain; charset=utf-8")
			ctx.Write(hello)
		case "/about.py":
			b, err := about.Render()
			if err != nil {
				ctx.Error("Internal error", 500)
				return
			}
			ctx.SetContentType("text/html; charset=utf-8")
			ctx.Write(b)
		default:
			files(ctx)
		}
	}
	log.Fatal(fasthttp.ListenAndServe(*addr, handler))
}
