package livereload

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
)

const testTag = "<script data-test></script>"

func TestInject(t *testing.T) {
	t.Parallel()
	html := gateway.Field{Name: "Content-Type", Value: "text/html; charset=utf-8"}
	tests := []struct {
		name   string
		code   int
		header gateway.Fields
		body   string
		want   string        // the body wanted; "" means unchanged
		field  gateway.Field // a field wanted in the header, if Name is set
	}{
		{"before_body", 200, gateway.Fields{html}, "<html><body><p>hi</p></body></html>",
			"<html><body><p>hi</p>" + testTag + "</body></html>", gateway.Field{}},
		{"uppercase", 200, gateway.Fields{html}, "<HTML><BODY>hi</BODY></HTML>",
			"<HTML><BODY>hi" + testTag + "</BODY></HTML>", gateway.Field{}},
		{"mixed_case_space", 404, gateway.Fields{html}, "<p>x</p></Body >\n",
			"<p>x</p>" + testTag + "</Body >\n", gateway.Field{}},
		{"last_of_two", 200, gateway.Fields{html}, "<script>'</body>'</script></body>",
			"<script>'</body>'</script>" + testTag + "</body>", gateway.Field{}},
		{"no_body_end", 200, gateway.Fields{html}, "<p>a fragment</p>",
			"<p>a fragment</p>" + testTag, gateway.Field{}},
		{"not_a_body_end", 200, gateway.Fields{html}, "<p></bodyguard></p>",
			"<p></bodyguard></p>" + testTag, gateway.Field{}},
		{"empty", 200, gateway.Fields{html}, "", testTag, gateway.Field{}},
		{"bare_content_type", 500, gateway.Fields{{Name: "content-type", Value: "TEXT/HTML"}}, "</body>",
			testTag + "</body>", gateway.Field{}},
		{"content_length", 200, gateway.Fields{html, {Name: "Content-Length", Value: "7"}}, "</body>",
			testTag + "</body>", gateway.Field{Name: "Content-Length", Value: strconv.Itoa(len(testTag) + 7)}},
		{"csp_nonce", 200, gateway.Fields{html, {Name: "Content-Security-Policy", Value: "script-src 'self'"}}, "</body>",
			"<script data-test nonce=\"N0NCE\"></script></body>",
			gateway.Field{Name: "Content-Security-Policy", Value: "script-src 'self' 'nonce-N0NCE'"}},
		{"csp_report_only", 200, gateway.Fields{html, {Name: "Content-Security-Policy-Report-Only", Value: "default-src 'none'"}}, "</body>",
			"<script data-test nonce=\"N0NCE\"></script></body>",
			gateway.Field{Name: "Content-Security-Policy-Report-Only", Value: "default-src 'none'; worker-src 'self'; connect-src 'self'; script-src 'nonce-N0NCE'"}},
		// Left alone.
		{"plain_text", 200, gateway.Fields{{Name: "Content-Type", Value: "text/plain"}}, "</body>", "", gateway.Field{}},
		{"json", 500, gateway.Fields{{Name: "Content-Type", Value: "application/problem+json"}}, "{}", "", gateway.Field{}},
		{"xhtml_like_name", 200, gateway.Fields{{Name: "Content-Type", Value: "text/htmlx"}}, "</body>", "", gateway.Field{}},
		{"no_content_type", 200, nil, "</body>", "", gateway.Field{}},
		{"compressed", 200, gateway.Fields{html, {Name: "Content-Encoding", Value: "gzip"}}, "\x1f\x8b...", "", gateway.Field{}},
		{"no_content", 204, gateway.Fields{html}, "", "", gateway.Field{}},
		{"partial", 206, gateway.Fields{html}, "</body>", "", gateway.Field{}},
		{"redirect", 303, gateway.Fields{html, {Name: "Location", Value: "/"}}, "", "", gateway.Field{}},
		{"not_modified", 304, gateway.Fields{html}, "", "", gateway.Field{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := slices.Clone(tt.header)
			body := []byte(tt.body)
			tag := func(nonce string) string {
				if nonce == "" {
					return testTag
				}
				return strings.Replace(testTag, "data-test", `data-test nonce="`+nonce+`"`, 1)
			}
			gotHeader, gotBody := inject(tt.code, header, body, tag, func() string { return "N0NCE" })
			want := tt.want
			if want == "" {
				want = tt.body
			}
			if string(gotBody) != want {
				t.Errorf("body %q; want %q", gotBody, want)
			}
			if string(body) != tt.body || !slices.Equal(header, tt.header) {
				t.Errorf("the caller's header or body changed: %q %q", header, body)
			}
			if tt.field.Name != "" {
				if got := gotHeader.Get(tt.field.Name); got != tt.field.Value {
					t.Errorf("%s: %q; want %q", tt.field.Name, got, tt.field.Value)
				}
			}
			if len(gotHeader) != len(tt.header) {
				t.Errorf("header %q; want as many fields as %q", gotHeader, tt.header)
			}
		})
	}
}

// TestInjectTag checks the element a Hub injects.
func TestInjectTag(t *testing.T) {
	t.Parallel()
	h := &Hub{boot: "b00t"}
	h.gen.Store(7)
	_, body := h.Inject(3, 200, gateway.Fields{{Name: "Content-Type", Value: "text/html"}}, []byte("</body>"))
	want := `<script src="/_miniweb/client.js?v=` + clientVersion + `" data-boot="b00t" data-gen="3" onerror="this.remove()"></script></body>`
	if string(body) != want {
		t.Errorf("got  %s\nwant %s", body, want)
	}
	header, body := h.Inject(3, 200, gateway.Fields{{Name: "Content-Type", Value: "text/html"},
		{Name: "Content-Security-Policy", Value: "script-src 'self'"}}, []byte("</body>"))
	_, nonce, _ := strings.Cut(string(body), `nonce="`)
	nonce, _, _ = strings.Cut(nonce, `"`)
	if len(nonce) != 24 || !strings.Contains(header.Get("Content-Security-Policy"), "'nonce-"+nonce+"'") {
		t.Errorf("nonce %q not in the policy %q", nonce, header.Get("Content-Security-Policy"))
	}
	_, again := h.Inject(3, 200, gateway.Fields{{Name: "Content-Type", Value: "text/html"},
		{Name: "Content-Security-Policy", Value: "script-src 'self'"}}, []byte("</body>"))
	if strings.Contains(string(again), nonce) {
		t.Error("two responses share a nonce")
	}
}

func TestAllowClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, policy, want string
	}{
		{"script_src", "script-src 'self'", // workers fall back to script-src, which has 'self'
			"script-src 'self' 'nonce-N'"},
		{"default_src_self", "default-src 'self'",
			"default-src 'self'; script-src 'self' 'nonce-N'"},
		{"default_src_none", "default-src 'none'; style-src 'self'",
			"default-src 'none'; style-src 'self'; worker-src 'self'; connect-src 'self'; script-src 'nonce-N'"},
		{"script_src_none", "script-src 'none'",
			"script-src 'nonce-N'; worker-src 'self'"},
		{"unsafe_inline_kept", "script-src 'unsafe-inline' https://cdn.example",
			"script-src 'unsafe-inline' https://cdn.example 'self'; worker-src 'unsafe-inline' https://cdn.example 'self'"},
		{"unsafe_inline_with_nonce", "script-src 'unsafe-inline' 'nonce-abc'",
			"script-src 'unsafe-inline' 'nonce-abc' 'nonce-N'; worker-src 'unsafe-inline' 'nonce-abc' 'self'"},
		{"strict_dynamic", "script-src 'strict-dynamic' 'nonce-abc'; object-src 'none'",
			"script-src 'strict-dynamic' 'nonce-abc' 'nonce-N'; object-src 'none'; worker-src 'strict-dynamic' 'nonce-abc' 'self'"},
		{"elem_directive", "script-src-elem 'self'; worker-src blob:; connect-src https://api.example",
			"script-src-elem 'self' 'nonce-N'; worker-src blob: 'self'; connect-src https://api.example 'self'"},
		{"child_src_fallback", "child-src 'none'; script-src 'self'",
			"child-src 'none'; script-src 'self' 'nonce-N'; worker-src 'self'"},
		{"unrestricted", "img-src 'self'; frame-ancestors 'none'",
			"img-src 'self'; frame-ancestors 'none'"},
		{"case_and_spaces", "  Script-Src   'SELF' ;; Connect-Src 'self'",
			"script-src 'SELF' 'nonce-N'; Connect-Src 'self'"},
		{"two_policies", "script-src 'self', default-src 'none'",
			"script-src 'self' 'nonce-N', default-src 'none'; worker-src 'self'; connect-src 'self'; script-src 'nonce-N'"},
		{"repeated_directive_first_counts", "script-src 'self'; script-src 'none'",
			"script-src 'self' 'nonce-N'; script-src 'none'"},
	}
	for _, tt := range tests {
		if got := allowClient(tt.policy, "N"); got != tt.want {
			t.Errorf("%s: allowClient(%q)\n got  %q\n want %q", tt.name, tt.policy, got, tt.want)
		}
	}
}
