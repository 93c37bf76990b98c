//go:build !unix

package httpserver

// watchDup is never called here: without http1.ReadsFD there are no
// sessions.
func (c *conn) watchDup() { c.sess.off = true }
