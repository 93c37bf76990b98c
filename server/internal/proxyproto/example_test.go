package proxyproto_test

import (
	"fmt"

	"github.com/miniweb/miniweb/server/internal/proxyproto"
)

func ExampleParse() {
	packet := []byte("PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\nGET / HTTP/1.1\r\nHost: example.com\r\n\r\n")

	_, _, err := proxyproto.Parse(packet[:20])
	fmt.Println(err)

	h, n, err := proxyproto.Parse(packet)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Source, "->", h.Destination)
	fmt.Printf("%q\n", packet[n:n+16])
	// Output:
	// proxyproto: need more bytes
	// 192.0.2.7:56324 -> 198.51.100.1:443
	// "GET / HTTP/1.1\r\n"
}
