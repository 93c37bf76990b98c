package framework

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miniweb/miniweb/server/gateway"
)

// StatusError is an error with the status the visitor should get: a handler
// returns one to answer 404, 403, ... with the site's error page. Any other
// error a handler returns is a 500 whose page says "Internal error".
type StatusError struct {
	// Code is the status code, 400-599.
	Code int
	// Message is shown to the visitor on the error page, escaped; "" shows
	// the reason phrase ("Not Found").
	Message string
	// Header holds extra response fields, such as Allow for a 405.
	Header gateway.Fields
	// Err is the cause, for the log and errors.Is; never shown.
	Err error
}

// Error returns "404 no such stock", and the cause after a colon.
func (e *StatusError) Error() string {
	s := strconv.Itoa(e.Code) + " " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *StatusError) Unwrap() error { return e.Err }

// Error returns an error that answers the request with status code and
// message on the site's error page: return framework.Error(404, "No such
// stock.") from a handler.
func Error(code int, message string) error {
	return &StatusError{Code: code, Message: message}
}

// Errors of reading a request, each carried by a *StatusError whose Code is
// what the client gets. errors.Is finds them in what Request.Body returns.
var (
	ErrBodyTooLarge  = errors.New("framework: request body too large")
	ErrTooManyFields = errors.New("framework: too many form fields")
	ErrFieldTooLarge = errors.New("framework: form field too large")
	ErrMalformedForm = errors.New("framework: malformed form")
	ErrReadBody      = errors.New("framework: cannot read the request body")
)

// The visitor sees fixed text that never echoes request bytes.
var (
	errBodyTooLarge  = &StatusError{Code: 413, Message: "The request body is too large.", Err: ErrBodyTooLarge}
	errTooManyFields = &StatusError{Code: 413, Message: "The form has too many fields.", Err: ErrTooManyFields}
	errFieldTooLarge = &StatusError{Code: 413, Message: "A form field is too large.", Err: ErrFieldTooLarge}
	errMalformedForm = &StatusError{Code: 400, Message: "The form could not be read.", Err: ErrMalformedForm}
	errReadBody      = &StatusError{Code: 400, Message: "The request body could not be read.", Err: ErrReadBody}
	errNotFound      = &StatusError{Code: 404, Message: "There is no such page."}
)

// panicError is a handler's panic, recovered.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// internalError is what a visitor sees of any failure that is not a
// StatusError: the detail goes to the log only.
const internalError = "Internal error"

// errorPage writes the page of err: the site's error template, or a
// built-in page when it has none or it fails. In dev mode, a loopback
// client gets the detail of a 5xx instead (devPage).
func (a *App) errorPage(r *Request, start gateway.StartResponse, err error) gateway.Body {
	env := r.Env
	code, message, header := 500, internalError, gateway.Fields(nil)
	var se *StatusError
	if errors.As(err, &se) && se.Code >= 400 && se.Code <= 599 {
		code, message, header = se.Code, se.Message, se.Header
		if message == "" {
			message = reason(code)
		}
	}
	if code >= 500 {
		a.logFailure(env, err)
	}
	ctype := htmlHeader[0]
	var body []byte
	switch {
	case prefersJSON(r.Header):
		body, ctype = problemJSON(code, message), problemHeader[0]
	case a.dev && code >= 500 && isLoopback(env.RemoteAddr):
		body = a.devPage(code, err)
		header = append(header[:len(header):len(header)], gateway.Field{Name: "Cache-Control", Value: "no-store"})
	default:
		body = a.publicPage(r, code, message)
	}
	header = append(gateway.Fields{ctype}, header...)
	if f, ok, serr := a.sessionCookie(r); serr != nil {
		a.log.Error("session not saved", keyErr, serr)
	} else if ok {
		header = append(header, f)
	}
	header, body = a.inject(r, code, header, body)
	if serr := start(statusLine(code), header); serr != nil {
		// Only a handler's own header fields can be refused.
		a.log.Error("error page header refused", keyErr, serr)
		if err := start(statusLine(code), gateway.Fields{ctype}); err != nil {
			return gateway.Body{}
		}
	}
	return gateway.Bytes(body)
}

// logFailure logs a 5xx: a panic with its stack. A handler that gave up
// because the client went away (or the server is shutting down) is not worth
// a line.
func (a *App) logFailure(env *gateway.Environ, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	var p *panicError
	if errors.As(err, &p) {
		a.log.Error("handler panicked", keyMethod, env.Method, keyPath, snippet(env.Path),
			keyPanic, fmt.Sprint(p.value), keyStack, string(p.stack))
		return
	}
	a.log.Error("request failed", keyMethod, env.Method, keyPath, snippet(env.Path), keyErr, err)
}

// publicPage renders the error page a visitor sees.
func (a *App) publicPage(r *Request, code int, message string) []byte {
	if a.errorTemplate != "" {
		out, err := a.render(r, a.errorTemplate, Data{"code": code, "reason": reason(code), "message": message})
		if err == nil {
			return out
		}
		a.log.Error("error template failed", keyTemplate, a.errorTemplate, keyErr, err)
	}
	title := html.EscapeString(strings.TrimSpace(strconv.Itoa(code) + " " + reason(code)))
	return []byte("<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" + title +
		"</title></head>\n<body>\n<h1>" + title + "</h1>\n<p>" + html.EscapeString(message) + "</p>\n</body>\n</html>\n")
}

// devPage renders the detail of a failure for the developer: the template's
// file, line, column, the line itself and the message; or a handler's error,
// or its panic and stack.
func (a *App) devPage(code int, err error) []byte {
	var b strings.Builder
	esc := html.EscapeString
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" +
		strconv.Itoa(code) + " (dev)</title>\n<style>" + devStyle + "</style></head>\n<body>\n")
	b.WriteString("<h1>" + esc(statusLine(code)) + "</h1>\n")
	var (
		te *templateError
		p  *panicError
		tf *templateFailure
	)
	switch {
	case errors.As(err, &tf):
		te = a.store.locate(tf.page, tf.files, tf.err)
		b.WriteString("<p class=\"what\">Template error</p>\n")
		b.WriteString("<p class=\"where\">" + esc(te.File))
		if te.Line > 0 {
			b.WriteString(fmt.Sprintf(", line %d, column %d", te.Line, te.Col))
		}
		b.WriteString("</p>\n<p class=\"msg\">" + esc(te.Message) + "</p>\n")
		if te.Source != "" {
			b.WriteString("<pre class=\"src\"><span class=\"ln\">" + strconv.Itoa(te.Line) + "</span> " + esc(te.Source) + "\n")
			b.WriteString("<span class=\"ln\">" + strings.Repeat(" ", len(strconv.Itoa(te.Line))) + "</span> " +
				caretPad(te.Source, te.Col) + "<span class=\"caret\">^</span></pre>\n")
		}
		if tf.page != te.File {
			b.WriteString("<p>while rendering " + esc(tf.page) + "</p>\n")
		}
	case errors.As(err, &p):
		b.WriteString("<p class=\"what\">Handler panicked</p>\n<p class=\"msg\">" + esc(fmt.Sprint(p.value)) + "</p>\n")
		b.WriteString("<pre class=\"stack\">" + esc(string(p.stack)) + "</pre>\n")
	default:
		b.WriteString("<p class=\"what\">Handler error</p>\n<p class=\"msg\">" + esc(err.Error()) + "</p>\n")
	}
	b.WriteString("<p class=\"note\">This page is shown in dev mode to loopback clients only; " +
		"others see \"" + internalError + "\".</p>\n</body>\n</html>\n")
	return []byte(b.String())
}

const devStyle = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem;color:#1d2430}
h1{color:#b3261e;margin:0 0 1rem}.what{font-weight:600;margin:0}.where{font-family:monospace}
.msg{background:#fdecea;border-left:4px solid #b3261e;padding:.5rem .8rem}
pre{background:#f3f4f7;padding:.8rem;overflow:auto}.ln{color:#8a93a3}.caret{color:#b3261e;font-weight:700}
.note{color:#8a93a3;font-size:.85rem}`

// caretPad returns the spaces that put a caret under byte column col
// (1-based) of line, counting characters rather than bytes and keeping tabs.
func caretPad(line string, col int) string {
	if col < 1 {
		return ""
	}
	if col-1 < len(line) {
		line = line[:col-1]
	}
	var b strings.Builder
	for _, r := range line {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// templateFailure is a page template that failed to compile or execute.
type templateFailure struct {
	page  string
	files []string // the templates read to compile it
	err   error
}

func (t *templateFailure) Error() string { return "template " + t.page + ": " + t.err.Error() }
func (t *templateFailure) Unwrap() error { return t.err }

// isLoopback reports whether the client at addr ("ip:port") is this machine:
// 127.0.0.0/8 or ::1.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// snippet returns s cut to a length fit for a log line.
func snippet(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}
