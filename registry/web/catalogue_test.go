package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/assets"
	"github.com/tracereg/tracereg/registry"
)

// TestCatalogue checks that every message key a template names literally
// exists in Vietnamese and English, and that every page parses.
func TestCatalogue(t *testing.T) {
	if _, err := parsePages(); err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`\.T[f]? "([a-z0-9_]+)"`)
	fs.WalkDir(assets.Templates, "templates/web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, _ := fs.ReadFile(assets.Templates, p)
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			for _, lang := range []string{"vi", "en"} {
				if _, ok := catalogue[lang][m[1]]; !ok {
					t.Errorf("%s: message %q has no %s text", p, m[1], lang)
				}
			}
		}
		return nil
	})
	for _, groups := range menus {
		for _, g := range groups {
			if _, ok := catalogue["vi"][g.Label]; g.Label != "" && !ok {
				t.Errorf("menu group %q has no text", g.Label)
			}
			for _, it := range g.Items {
				if _, ok := catalogue["vi"][it.Label]; !ok {
					t.Errorf("menu label %q has no text", it.Label)
				}
			}
		}
	}
}

func TestNavMarksOnlyTheLongestMatch(t *testing.T) {
	menus := navFor(registry.Actor{UserID: "u", Role: registry.RoleCertifier}, "/w/certificates/new")
	var active []string
	for _, g := range menus {
		for _, it := range g.Items {
			if it.Active {
				active = append(active, it.Href)
			}
		}
	}
	if len(active) != 1 || active[0] != "/w/certificates/new" {
		t.Fatalf("active links %v", active)
	}
}
