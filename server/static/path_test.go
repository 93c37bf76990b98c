package static

import (
	"bytes"
	"strings"
	"testing"
)

// hostilePaths are request paths a prober sends, each with the status it
// must get. 400: malformed or a traversal attempt; 404: hidden, outside the
// root, or not a file we serve.
var hostilePaths = []struct {
	name   string
	path   string
	status int
}{
	{"dotdot", "/..", 400},
	{"dotdot_slash", "/../", 400},
	{"etc_passwd", "/../etc/passwd", 400},
	{"deep_dotdot", "/a/b/../../../etc/passwd", 400},
	{"dotdot_mid", "/a/../notes.txt", 400},
	{"dot", "/./notes.txt", 400},
	{"dot_end", "/sub/.", 400},
	{"enc_dotdot", "/%2e%2e/x", 400},
	{"enc_dotdot_mixed_case", "/%2E%2e/x", 400},
	{"enc_dot_half", "/.%2e/x", 400},
	{"enc_dot_half2", "/%2e./x", 400},
	{"enc_dotdot_slash", "/%2E%2e%2fx", 400},
	{"enc_dotdot_trail", "/%2E%2e/", 400},
	{"enc_slash", "/a%2fb.txt", 400},
	{"enc_slash_upper", "/sub%2Fpage.html", 400},
	{"dotdot_enc_slash", "/a/..%2f..%2fx", 400},
	{"enc_dot_enc_slash", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 400},
	{"backslash_enc", "/..%5c..%5cx", 400},
	{"backslash_enc_upper", "/..%5C..%5Cx", 400},
	{"backslash_raw", "/a\\b", 400},
	{"backslash_dotdot", "/..\\..\\x", 400},
	{"backslash_lead", "/\\evil.example/", 400},
	{"nul_enc", "/%00", 400},
	{"nul_enc_ext", "/a%00.html", 400},
	{"nul_raw", "/notes.txt\x00.html", 400},
	{"newline_enc", "/a%0d%0aSet-Cookie:x", 400},
	{"tab_raw", "/a\tb", 400},
	{"del_enc", "/a%7f", 400},
	{"bad_escape", "/%zz", 400},
	{"bad_escape_half", "/%2", 400},
	{"bad_escape_end", "/%", 400},
	{"bad_escape_g", "/%g0", 400},
	{"bad_utf8_enc", "/%ff%fe.txt", 400},
	{"bad_utf8_raw", "/\xff.txt", 400},
	{"overlong_slash", "/%c0%af", 400},
	{"double_slash", "//notes.txt", 400},
	{"double_slash_mid", "/sub//page.html", 400},
	{"open_redirect", "//evil.example", 400},
	{"no_slash", "notes.txt", 400},
	{"empty", "", 400},
	{"absolute_url", "http://x/notes.txt", 400},
	{"star", "*", 400},
	{"too_long", "/" + strings.Repeat("a", maxPathLen), 400},
	{"dotfile", "/.env", 404},
	{"dotfile_enc", "/%2eenv", 404},
	{"git_config", "/.git/config", 404},
	{"git_dir", "/.git/", 404},
	{"git_dir_noslash", "/.git", 404},
	{"hidden_in_sub", "/sub/.hidden", 404},
	{"hidden_dir", "/.hiddendir/page.html", 404},
	{"dot_then_dotdot", "/.git/../notes.txt", 400},
	{"symlink_out", "/link-out.txt", 404},
	{"symlink_out_dir", "/link-outdir/", 404},
	{"symlink_out_dir_noslash", "/link-outdir", 404},
	{"symlink_to_dotfile", "/link-dotfile.txt", 404},
	{"symlink_to_hidden_dir", "/link-hiddendir/page.html", 404},
	{"symlink_absolute", "/link-abs.txt", 404}, // os.Root refuses absolute targets
	{"symlink_loop", "/loop-a", 404},
	{"symlink_dangling", "/dangling.txt", 404},
	{"file_as_dir", "/notes.txt/x", 404},
	{"missing", "/missing.html", 404},
	{"long_name", "/" + strings.Repeat("a", 300), 404},
	{"symlink_in", "/link-in.txt", 200},
	{"symlink_in_dir", "/link-dir/page.html", 200},
	{"plain", "/notes.txt", 200},
	{"enc_plain", "/n%6F%74es.txt", 200},
}

func TestHostilePaths(t *testing.T) {
	t.Parallel()
	h := newHandler(t, makeSite(t))
	for _, tt := range hostilePaths {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range []string{"GET", "HEAD"} {
				rec, err := serve(t, h, req(m, tt.path))
				if err != nil {
					t.Fatalf("%s %q: %v", m, tt.path, err)
				}
				if rec.status != tt.status {
					t.Fatalf("%s %q: status %d, want %d", m, tt.path, rec.status, tt.status)
				}
				if rec.status >= 400 && m == "GET" && !bytes.Equal(rec.body.Bytes(), pageFor(rec.status)) {
					t.Errorf("%q: body %q is not the fixed page", tt.path, rec.body.Bytes())
				}
			}
		})
	}
}

func TestCleanPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw    string
		name   string // the root-relative name
		dir    bool   // the path ended in '/'
		status int    // 0: accepted
	}{
		{"/", "", true, 0},
		{"/a", "a", false, 0},
		{"/a/", "a", true, 0},
		{"/a/b.css", "a/b.css", false, 0},
		{"/a%20b", "a b", false, 0},
		{"/%41", "A", false, 0},
		{"/a+b", "a+b", false, 0}, // '+' is no space in a path
		{"/a%25", "a%", false, 0},
		{"/a%252e%252e", "a%2e%2e", false, 0},
		{"/..a", "", false, 404},   // a hidden name, not a traversal
		{"/a..", "a..", false, 0},  // dots inside a name are fine
		{"/a/...", "", false, 404}, // so is "..." (hidden)
		{"/~user", "~user", false, 0},
		{"/caf%C3%A9", "café", false, 0},
		{"/..", "", false, 400},
		{"/.", "", false, 400},
		{"//", "", false, 400},
		{"/a//", "", false, 400},
		{"/%2e", "", false, 400},
		{"/%2E%2E/", "", false, 400},
		{"/%2f", "", false, 400},
		{"/%5c", "", false, 400},
		{"/%00", "", false, 400},
		{"/%1f", "", false, 400},
		{"/%", "", false, 400},
		{"/%a", "", false, 400},
		{"/%ag", "", false, 400},
		{"/%ed%a0%80", "", false, 400}, // a UTF-16 surrogate is no UTF-8
		{"/.x", "", false, 404},
		{"/a/.x/b", "", false, 404},
		{"/.x/../a", "", false, 400}, // the 400 wins over the 404
	}
	for _, tt := range tests {
		name, dir, status := cleanPath(tt.raw)
		if name != tt.name || dir != tt.dir || status != tt.status {
			t.Errorf("cleanPath(%q) = %q, %v, %d; want %q, %v, %d", tt.raw, name, dir, status, tt.name, tt.dir, tt.status)
		}
	}
}

func TestRelUnder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir, p string
		rel    string
		ok     bool
	}{
		{"/srv/a", "/srv/a", "", true},
		{"/srv/a", "/srv/a/x/y", "x/y", true},
		{"/srv/a", "/srv/ab/x", "", false},
		{"/srv/a", "/srv", "", false},
		{"/", "/etc", "etc", true},
	}
	for _, tt := range tests {
		rel, ok := relUnder(tt.dir, tt.p)
		if rel != tt.rel || ok != tt.ok {
			t.Errorf("relUnder(%q, %q) = %q, %v; want %q, %v", tt.dir, tt.p, rel, ok, tt.rel, tt.ok)
		}
	}
}
