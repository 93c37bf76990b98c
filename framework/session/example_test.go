package session_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/miniweb/miniweb/framework/session"
)

func Example() {
	// The secret comes from the configuration; `openssl rand -base64 32`.
	codec, err := session.NewCodec("tGpS1o8wK9u7fJ1bq2m3N4v5X6y7Z8a9B0c1D2e3F4g=", nil, 0)
	if err != nil {
		panic(err)
	}
	now := time.Now()

	// POST /login.py: sign the visitor in, then redirect.
	s := new(session.Session)
	s.Set("user", "42")
	s.AddFlash("success", "Welcome back.")
	value, err := codec.Encode("session", s, now)
	if err != nil {
		panic(err)
	}

	// GET /: the next request brings the cookie back.
	s, err = codec.Decode("session", value, now.Add(time.Second))
	if err != nil {
		s = new(session.Session) // an anonymous visitor
	}
	fmt.Println("user:", s.Get("user"))
	for _, f := range s.Flashes() {
		fmt.Printf("%s: %s\n", f.Kind, f.Message)
	}
	fmt.Println("flashes left:", len(s.Flashes()), "modified:", s.Modified())

	// The same value under another cookie's name is refused.
	_, err = codec.Decode("prefs", value, now)
	fmt.Println(errors.Is(err, session.ErrInvalid))
	// Output:
	// user: 42
	// success: Welcome back.
	// flashes left: 0 modified: true
	// true
}

func ExampleNewCodec() {
	_, err := session.NewCodec("changeme", nil, 0)
	fmt.Println(err)
	// Output:
	// session: secret too weak: secret is 8 bytes, want at least 32; make one with `openssl rand -base64 32`
}
