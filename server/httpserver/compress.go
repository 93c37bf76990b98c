package httpserver

import (
	"fmt"

	"github.com/miniweb/miniweb/server/compress"
)

// initCompress applies Server.Compress: App is wrapped with compress.App,
// so that its responses are coded (package compress), and Static is told
// to serve coded variants of its files (static.Handler.SetCompression).
// Options out of range are an error naming the option.
func (s *Server) initCompress() error {
	if s.Compress == nil {
		return nil
	}
	if err := s.Compress.Check(); err != nil {
		return fmt.Errorf("httpserver: Compress: %w", err)
	}
	if s.App != nil {
		s.App = compress.App(s.App, *s.Compress)
	}
	if s.Static != nil {
		return s.Static.SetCompression(s.Compress)
	}
	return nil
}
