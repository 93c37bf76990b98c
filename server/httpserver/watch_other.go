//go:build !unix

package httpserver

// watchDup is never called here: without http1.ReadsFD there are no
// inline runs.
func (c *conn) watchDup() { c.inl.off = true }
