package gatewayhttp

// Attribute keys of the log lines the net/http adapters write.
const (
	keyCaller = "caller" // "pkg.Func (file.go:12)" of a misused ResponseWriter
	keyCode   = "code"   // a status code
	keyErr    = "err"
	keyField  = "field"  // a header field name, quoted
	keyMethod = "method" // a ResponseWriter method used after ServeHTTP returned
	keyPanic  = "panic"
	keyStack  = "stack"
	keyTarget = "target" // the request target, quoted and cut short
	keyValue  = "value"  // a header field value, quoted and cut short
)
