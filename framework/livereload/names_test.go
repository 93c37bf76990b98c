package livereload

import "testing"

func TestIgnored(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"page.html", false},
		{"style.css", false},
		{"4913.html", false}, // only vim's exact probe name
		{"notes~1.txt", false},
		{".page.html.swp", true}, // vim
		{".page.html.swx", true},
		{"page.html.swo", true},
		{"4913", true},
		{"page.html~", true},    // backups
		{".#page.html", true},   // emacs lock
		{"#page.html#", true},   // emacs auto-save
		{"page.html.tmp", true}, // atomic save
		{"style.css___jb_tmp___", true},
		{"style.css___jb_old___", true},
		{".DS_Store", true},
		{".goutputstream-ABC123", true},
		{"", true},
	}
	for _, tt := range tests {
		if got := ignored(tt.name); got != tt.want {
			t.Errorf("ignored(%q) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rel    string // relative to the root folder
		static bool   // of the static folder
		want   kind
	}{
		{"page.html", false, kindTemplate},
		{"shop/cart.html", false, kindTemplate},
		{"notes.md", false, kindTemplate}, // any file of the folder may be read by a template
		{".hidden/page.html", false, kindIgnored},
		{"shop/.page.html.swp", false, kindIgnored},
		{"style.css", true, kindStyle},
		{"css/Site.CSS", true, kindStyle},
		{"logo.svg", true, kindImage},
		{"img/photo.JPG", true, kindImage},
		{"app.js", true, kindOther},
		{"index.html", true, kindOther},
		{"css", true, kindOther}, // a folder
		{"style.css~", true, kindIgnored},
		{".git/index", true, kindIgnored},
	}
	for _, tt := range tests {
		if got := classify(tt.rel, tt.static); got != tt.want {
			t.Errorf("classify(%q, static %v) = %v; want %v", tt.rel, tt.static, got, tt.want)
		}
	}
}
