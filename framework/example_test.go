package framework_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// A site: a page with a named segment, a form handler with a redirect and a
// cookie, and an error with its own status. gatewaytest.Record runs requests
// without a server.
func Example() {
	dir, err := os.MkdirTemp("", "templates")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	page := "<h1>Hello, <%name%>!</h1>\n{% for s in stocks %}<p>{{ s }}</p>{% endfor %}\n"
	if err := os.WriteFile(filepath.Join(dir, "hello.html"), []byte(page), 0o644); err != nil {
		log.Fatal(err)
	}

	app, err := framework.New(framework.Options{Templates: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer app.Close()

	app.Page("GET", "/hello/{name}.py", "hello.html", func(r *framework.Request) (framework.Data, error) {
		if r.Param("name") == "nobody" {
			return nil, framework.Error(404, "No such person.")
		}
		return framework.Data{"name": r.Param("name"), "stocks": []string{"600519", "000001"}}, nil
	})
	app.Handle("POST", "/login.py", func(r *framework.Request) (*framework.Response, error) {
		if r.FormValue("user") != "demo" {
			return nil, framework.Error(403, "Unknown user.")
		}
		resp := framework.Redirect("/hello/demo.py")
		return resp, resp.SetCookie(framework.Cookie{Name: "user", Value: "demo", Path: "/", HttpOnly: true})
	})

	rec, _ := gatewaytest.Record(app, gatewaytest.NewEnviron("GET", "/hello/%3Cgopher%3E.py", nil))
	fmt.Print(rec.Status, "\n", string(rec.Body))

	env := gatewaytest.NewEnviron("POST", "/login.py", strings.NewReader("user=demo"))
	env.Header = append(env.Header, gateway.Field{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
	rec, _ = gatewaytest.Record(app, env)
	fmt.Println(rec.Status, rec.Header.Get("Location"), rec.Header.Get("Set-Cookie"))

	rec, _ = gatewaytest.Record(app, gatewaytest.NewEnviron("GET", "/hello/nobody.py", nil))
	fmt.Println(rec.Status)
	rec, _ = gatewaytest.Record(app, gatewaytest.NewEnviron("GET", "/login.py", nil))
	fmt.Println(rec.Status, rec.Header.Get("Allow"))
	rec, _ = gatewaytest.Record(app, gatewaytest.NewEnviron("GET", "/nosuch.py", nil))
	fmt.Println(rec.Status)
	// Output:
	// 200 OK
	// <h1>Hello, &lt;gopher&gt;!</h1>
	// <p>600519</p><p>000001</p>
	// 303 See Other /hello/demo.py user=demo; Path=/; HttpOnly
	// 404 Not Found
	// 405 Method Not Allowed POST
	// 404 Not Found
}
