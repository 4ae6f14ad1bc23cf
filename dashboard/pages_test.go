package dashboard

import "testing"

// Pages are parsed when first shown; every one must parse, and a page that
// does not would only fail when a moderator opened it.
func TestEveryPageParses(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.pages) < 10 {
		t.Fatalf("%d pages found, want every template", len(h.pages))
	}
	for name, p := range h.pages {
		if tpl, err := p.template(); err != nil || tpl.Lookup(p.file[len("templates/"):]) == nil {
			t.Errorf("page %s: %v", name, err)
		}
	}
}
