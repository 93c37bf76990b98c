package framework

import (
	"errors"
	"fmt"
	"time"

	"github.com/miniweb/miniweb/framework/session"
	"github.com/miniweb/miniweb/server/gateway"
)

// SessionOptions turns on sessions: a session per visitor, kept in a signed
// and encrypted cookie (package session), so that the server holds nothing
// per visitor: sessions survive restarts and work across instances that
// share the secret.
type SessionOptions struct {
	// Secret seals new session cookies: at least 32 bytes, such as the
	// output of `openssl rand -base64 32`. Empty: in dev mode the App makes
	// one for this run (sessions then end when it stops) and logs a
	// warning; otherwise New fails.
	Secret string
	// OldSecrets still open cookies sealed with them, for rotation: move
	// the old secret here when setting a new one.
	OldSecrets []string
	// MaxAge is how long a session lasts after it was last saved; 0 means
	// session.DefaultMaxAge (14 days).
	MaxAge time.Duration
	// CookieName names the cookie; "" means "miniweb_session".
	CookieName string
}

// sessions is an App's session machinery; nil when sessions are off.
type sessions struct {
	codec *session.Codec
	name  string
}

// ErrNoSessionSecret is New's error when sessions are on, with no secret,
// outside dev mode.
var ErrNoSessionSecret = errors.New("framework: no session secret: set [session] secret in miniweb.toml or the environment variable MINIWEB_SESSION_SECRET (at least 32 bytes: openssl rand -base64 32)")

// newSessions builds the session machinery of o, or nil when o is nil.
func newSessions(o *SessionOptions, dev bool, warn func(msg string, args ...any)) (*sessions, error) {
	if o == nil {
		return nil, nil
	}
	secret := o.Secret
	if secret == "" {
		if !dev {
			return nil, ErrNoSessionSecret
		}
		var err error
		if secret, err = session.GenerateSecret(); err != nil {
			return nil, fmt.Errorf("framework: generating a session secret: %w", err)
		}
		warn("no session secret: made one for this run, so sessions end when it stops; set [session] secret or MINIWEB_SESSION_SECRET")
	}
	codec, err := session.NewCodec(secret, o.OldSecrets, o.MaxAge)
	if err != nil {
		return nil, fmt.Errorf("framework: sessions: %w", err)
	}
	name := o.CookieName
	if name == "" {
		name = "miniweb_session"
	}
	if !gateway.IsToken(name) {
		return nil, fmt.Errorf("framework: session cookie name %q is not a token", name)
	}
	return &sessions{codec: codec, name: name}, nil
}

// Session returns the visitor's session, read from its cookie on first use:
// a visitor without one, or whose cookie is tampered with, expired or
// sealed with a secret no longer known, gets a new empty session (an
// anonymous visitor), never an error. Changes are saved in the cookie of
// the answer, whatever it is (an error page included). Session panics when
// the App was made without Options.Session: a mistake of the program.
func (r *Request) Session() *session.Session {
	if r.sess != nil {
		return r.sess
	}
	if r.app == nil || r.app.sessions == nil {
		panic("framework: Request.Session: the App has no sessions (set Options.Session)")
	}
	ss := r.app.sessions
	r.sess = &r.session // in the Request: a session read allocates only its values
	if v, ok := r.Cookie(ss.name); ok {
		r.hadSession = true // a bad cookie too: replaced or removed on the way out
		if err := ss.codec.DecodeTo(r.sess, ss.name, v, time.Now()); err != nil {
			r.app.log.Debug("session cookie refused", keyErr, err)
		}
	}
	return r.sess
}

// Flash adds a message of kind ("info", "error", ...) to the session, to be
// shown once, on the next page that shows flashes (see Flashes).
func (r *Request) Flash(kind, message string) { r.Session().AddFlash(kind, message) }

// Flashes returns the session's flash messages and removes them: each is
// shown once. A context processor that gives them to every page makes the
// usual pattern: a POST adds a flash and redirects, and the page after
// shows it.
func (r *Request) Flashes() []session.Flash {
	if r.app == nil || r.app.sessions == nil {
		return nil
	}
	return r.Session().Flashes()
}

// sessionCookie returns the Set-Cookie field that saves r's session, if it
// changed (or its cookie was bad): ok false when there is nothing to send.
// A session too large for its cookie is an error, said with the sizes.
func (a *App) sessionCookie(r *Request) (f gateway.Field, ok bool, err error) {
	s := r.sess
	if a.sessions == nil || s == nil || !(s.Modified() || r.hadSession && s.Empty()) {
		return f, false, nil
	}
	c := Cookie{Name: a.sessions.name, Path: "/", HttpOnly: true, SameSite: "Lax", Secure: r.Env.Scheme == "https"}
	if s.Empty() {
		if !r.hadSession {
			return f, false, nil
		}
		c.MaxAge = -1 // the visitor's cookie goes
	} else {
		v, err := a.sessions.codec.Encode(c.Name, s, time.Now())
		if err != nil {
			return f, false, fmt.Errorf("framework: saving the session: %w", err)
		}
		c.Value, c.MaxAge = v, int(a.sessions.codec.MaxAge()/time.Second)
	}
	line, err := c.line()
	if err != nil {
		return f, false, err
	}
	return gateway.Field{Name: "Set-Cookie", Value: line}, true, nil
}
