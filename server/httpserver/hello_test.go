package httpserver

import "github.com/miniweb/miniweb/server/gateway"

// helloApp is the application of the engine's benchmarks and allocation
// guards, the hello workload of a benchmark run: /hello.py answers
// "Hello, World!" as text/plain to GET and HEAD, 405 to another method;
// any other path is 404. It allocates nothing: its fields and bodies are
// made once.
func helloApp() gateway.App { return gateway.AppFunc(hello) }

var (
	helloHeader   = []gateway.Field{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}
	helloAllow    = []gateway.Field{{Name: "Allow", Value: "GET, HEAD"}, {Name: "Content-Type", Value: "text/plain; charset=utf-8"}}
	helloBody     = []byte("Hello, World!")
	helloNotFound = []byte("404 Not Found: no such page\n")
	helloNotAllow = []byte("405 Method Not Allowed\n")
)

func hello(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	if env.Path != "/hello.py" {
		start("404 Not Found", helloHeader)
		return gateway.Bytes(helloNotFound)
	}
	if env.Method != "GET" && env.Method != "HEAD" {
		start("405 Method Not Allowed", helloAllow)
		return gateway.Bytes(helloNotAllow)
	}
	start("200 OK", helloHeader)
	return gateway.Bytes(helloBody)
}
