package framework

// keyValue is one value stored in a Request with Set.
type keyValue struct {
	key   any
	value any
}

// Set stores value under key in the request, for the middleware, handler
// and context processors that handle it after: the signed-in user a login
// middleware found, say. It replaces a value already under key. Keys are
// compared with ==; use a key of an unexported type of your own, as with
// context.WithValue, so that packages cannot collide. A request's values
// last as long as the request.
func (r *Request) Set(key, value any) {
	for i := range r.values {
		if r.values[i].key == key {
			r.values[i].value = value
			return
		}
	}
	r.values = append(r.values, keyValue{key, value})
}

// Value returns the value stored under key with Set, or nil.
func (r *Request) Value(key any) any {
	for _, kv := range r.values {
		if kv.key == key {
			return kv.value
		}
	}
	return nil
}
