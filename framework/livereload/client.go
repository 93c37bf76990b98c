package livereload

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
)

// clientJS is the browser's side of live reload (see client.js): the same
// file runs in a page, where Inject puts it, and as the SharedWorker that
// holds the browser's one event stream.
//
//go:embed client.js
var clientJS []byte

// clientVersion is a digest of clientJS, in the client's URL, so that the
// browser may cache it for good and a new version has a new URL (and a new
// SharedWorker).
var clientVersion = func() string {
	sum := sha256.Sum256(clientJS)
	return hex.EncodeToString(sum[:6])
}()
