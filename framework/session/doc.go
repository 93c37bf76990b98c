// Package session keeps a visitor's session in a cookie, encrypted and
// authenticated, so the server holds nothing per visitor.
//
// A [Session] is a few string values by key (the signed-in user's id, a
// preference) and flash messages, each shown once on the visitor's next
// page. A [Codec] turns a session into a cookie value and back:
//
//	codec, err := session.NewCodec(secret, oldSecrets, 0) // 0: 14 days
//	...
//	s, err := codec.Decode("session", cookieValue, time.Now())
//	if err != nil {
//		s = new(session.Session) // tampered, expired, foreign: an anonymous visitor
//	}
//	s.Set("user", "42")
//	s.AddFlash("success", "Welcome back.")
//	if s.Modified() {
//		value, err := codec.Encode("session", s, time.Now()) // err wraps ErrTooLarge if it will not fit
//		...
//	}
//
// # Why stateless
//
// Nothing about a visitor is kept on the server: a session survives a
// restart, works on every instance that shares the secret, and a flood of
// log-ins costs no memory and no lock. The price is size (a cookie holds
// about 4 kB, sent with every request) and that a session cannot be ended
// from the server before it expires, short of changing the secret: keep
// ids in it, not records, and keep what must be revocable on the server.
//
// # Cookie format
//
// A cookie value is base64url without padding (RFC 4648 section 5), whose
// alphabet is all cookie-octets (RFC 6265 section 4.1.1), of
//
//	version (1 byte, 1) | key id (4 bytes) | nonce (12 random bytes) | sealed payload
//
// The payload is sealed with AES-256-GCM, with the cookie's name followed
// by the version, key id and nonce as the additional data: a value copied
// into a cookie of another name, or any changed byte, fails to open. The
// payload holds the issue time, in Unix seconds, then the values and the
// flashes, each string with a uvarint length in front (see payload.go).
// A random 96-bit nonce is safe for 2^32 cookies per secret; rotate the
// secret long before that.
//
// A cookie is valid for the codec's max age after it was encoded
// ([DefaultMaxAge], 14 days, unless told otherwise), and may be dated up to
// a minute in the future, for clocks out of step between instances. Encode
// stamps the time it is given, so saving a session renews it.
//
// # Keys and rotation
//
// Each secret, of 32 bytes at least (`openssl rand -base64 32`; in dev
// mode [GenerateSecret]), gives an AES-256 key and a 4-byte key id by
// HKDF-SHA256 with info strings naming their purpose ("miniweb session v1
// ..."). Encode uses the first secret; Decode finds the key by the id in
// the cookie among the first and the old secrets. To rotate: make a new
// secret, move the current one to the old secrets, and drop it after the
// max age, when none of its cookies can still be valid.
//
// # Size limit
//
// A browser keeps 4096 bytes per cookie ([CookieLimit]). Encode leaves 96
// of them to the attributes and refuses a name=value over [MaxSize], 4000
// bytes, with an error that wraps [ErrTooLarge] and gives the size and the
// limit: the overhead is 33 bytes plus a third for base64, so a session
// holds about 2.9 kB of keys, values and messages.
//
// # Errors
//
// Decode wraps [ErrInvalid] (garbage, truncated, tampered with, made with
// an unknown secret, foreign) or [ErrExpired]; both mean an anonymous
// visitor, and neither is a failure to report to the visitor. Decode never
// panics, whatever the input (see FuzzDecode).
package session
