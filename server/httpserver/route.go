package httpserver

import "strings"

// toApp reports whether the percent-decoded request path goes to the
// application rather than the static folder: AppPath's answer when it is
// set, else whether the path ends in Suffix ("/index.py" with ".py").
func (s *Server) toApp(path string) bool {
	if s.AppPath != nil {
		return s.AppPath(path)
	}
	return s.Suffix != "" && strings.HasSuffix(path, s.Suffix)
}
