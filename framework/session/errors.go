package session

import "errors"

// Errors returned by this package. Decode wraps ErrInvalid or ErrExpired
// with the reason, for the log; a caller tests them with errors.Is and
// treats either one as an anonymous visitor, never as a failure.
var (
	// ErrInvalid reports a cookie value that is not one this codec made:
	// garbage, truncated, tampered with, made with an unknown secret, or
	// moved from another cookie name (a foreign cookie).
	ErrInvalid = errors.New("session: invalid cookie")

	// ErrExpired reports a genuine cookie issued longer ago than the
	// codec's max age, or dated more than a minute in the future.
	ErrExpired = errors.New("session: expired cookie")

	// ErrTooLarge reports a session whose cookie would not fit the 4096
	// bytes a browser keeps per cookie; it is a developer's error, and the
	// wrapped message says the size and the limit.
	ErrTooLarge = errors.New("session: cookie too large")

	// ErrWeakSecret reports an empty secret, or one shorter than
	// MinSecretSize bytes.
	ErrWeakSecret = errors.New("session: secret too weak")
)
