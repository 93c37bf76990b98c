// Command nethttp is the net/http peer of the load test: /hello.py answers
// "Hello, World!", /about.py renders the demo's about page with pongo2,
// and every other path is a file of -static through http.FileServer.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/miniweb/miniweb/server/loadtest/internal/page"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	dir := flag.String("static", ".", "static folder")
	tmpl := flag.String("templates", "templates", "templates folder")
	flag.Parse()
	about, err := page.Load(*tmpl, *dir)
	if err != nil {
		log.Fatal(err)
	}
	hello := []byte("Hello, World!")
	mux := http.NewServeMux()
	mux.HandleFunc("/hello.py", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(hello)
	})
	mux.HandleFunc("/about.py", func(w http.ResponseWriter, r *http.Request) {
		b, err := about.Render()
		if err != nil {
			http.Error(w, "Internal error", 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	})
	mux.Handle("/", http.FileServer(http.Dir(*dir)))
	log.Fatal(http.ListenAndServe(*addr, mux))
}
