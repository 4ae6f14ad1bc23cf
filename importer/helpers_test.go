package importer_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/importer"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/sqlite"
)

var testKeys = func() *secret.Keyring {
	k, err := secret.New(make([]byte, secret.KeySize))
	if err != nil {
		panic(err)
	}
	return k
}()

var renderer = httpapi.NewRenderer()

func testOptions() importer.Options {
	return importer.Options{
		SiteID: "demo", Origin: "https://news.example", Keys: testKeys, Render: renderer.RenderFormat,
		Now: func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) },
	}
}

// openStore opens a fresh SQLite store with the site demo.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.CreateSite(context.Background(), comment.Site{ID: "demo", Origins: []string{"https://news.example"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return s
}
