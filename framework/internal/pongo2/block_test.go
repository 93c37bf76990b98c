package pongo2

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBlockWrappersKept: a block keeps the wrappers it found for the next
// execution (PATCHES.md, 16) only while they are the same: pages that
// extend one base, rendered in turn, print what each prints alone.
func TestBlockWrappersKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"base.html":  `<{% block a %}base-a{% endblock %}|{% block b %}base-b{% endblock %}>`,
		"one.html":   `{% extends "base.html" %}{% block a %}one-a {{ block.Super }}{% endblock %}`,
		"two.html":   `{% extends "base.html" %}{% block b %}two-b{% endblock %}`,
		"three.html": `{% extends "one.html" %}{% block a %}three-a {{ block.Super }}{% endblock %}{% block b %}three-b{% endblock %}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pages := []string{"one.html", "two.html", "three.html", "base.html"}
	alone := map[string]string{}
	for _, p := range pages {
		set := NewSet(t.Name()+p, MustNewLocalFileSystemLoader(dir))
		tpl, err := set.FromFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if alone[p], err = tpl.Execute(nil); err != nil {
			t.Fatal(err)
		}
	}
	if alone["three.html"] != "<three-a one-a base-a|three-b>" {
		t.Errorf("three.html alone: %q", alone["three.html"])
	}
	set := NewSet(t.Name(), MustNewLocalFileSystemLoader(dir))
	tpls := map[string]*Template{}
	for _, p := range pages {
		tpl, err := set.FromFile(p)
		if err != nil {
			t.Fatal(err)
		}
		tpls[p] = tpl
	}
	for range 3 {
		for _, p := range pages {
			got, err := tpls[p].Execute(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != alone[p] {
				t.Errorf("%s in turn: %q, alone %q", p, got, alone[p])
			}
		}
	}
}

// TestBlockWrappersFollow: the wrappers a block keeps are dropped when
// the templates it runs in hold others.
func TestBlockWrappersFollow(t *testing.T) {
	t.Parallel()
	w1, w2, w3 := new(NodeWrapper), new(NodeWrapper), new(NodeWrapper)
	base := func(child *Template) *Template {
		return &Template{blocks: map[string]*NodeWrapper{"a": w1}, child: child}
	}
	one := base(&Template{blocks: map[string]*NodeWrapper{"a": w2}})
	two := base(&Template{blocks: map[string]*NodeWrapper{"b": w3}})
	three := base(&Template{blocks: map[string]*NodeWrapper{"a": w3}})
	node := &tagBlockNode{name: "a"}
	for _, c := range []struct {
		tpl  *Template
		want []*NodeWrapper
	}{
		{one, []*NodeWrapper{w1, w2}}, {one, []*NodeWrapper{w1, w2}}, {two, []*NodeWrapper{w1}},
		{three, []*NodeWrapper{w1, w3}}, {one, []*NodeWrapper{w1, w2}}, {two, []*NodeWrapper{w1}},
	} {
		got := node.getBlockWrappers(c.tpl)
		if len(got) != len(c.want) {
			t.Fatalf("%d wrappers, want %d", len(got), len(c.want))
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("wrapper %d differs", i)
			}
		}
	}
}
