module github.com/miniweb/miniweb/server/loadtest

go 1.26.0

require (
	github.com/flosch/pongo2/v6 v6.0.0
	github.com/miniweb/miniweb v0.0.0
	github.com/valyala/fasthttp v1.74.0
)

require (
	github.com/klauspost/compress v1.20.5 // indirect
	github.com/molecule-man/go-brrr v1.0.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
)

// The peers' page takes the fingerprint rule of static URLs from the main
// module (server/gateway/fingerprint, standard library only), so that they
// name the same URLs as the demo. The main module's requirements join this
// module's graph: klauspost/compress, fasthttp's, moves from v1.20.0 to the
// main module's v1.20.5.
replace github.com/miniweb/miniweb => ../..
