package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/store/sqlite"
)

// Migration 0100 turns the old mode auto_approve_trusted into trusted.
func TestMigrateAutoApproveTrusted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parley.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{"https://news.example"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Back to the schema before 0100, with a site in the old mode.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP INDEX comments_pending_holds`, `DELETE FROM schema_migrations WHERE version = 106`, `DROP INDEX comments_commenter_recent`, `DROP INDEX comments_address_recent`, `DROP INDEX comments_site_recent`,
		`ALTER TABLE comments DROP COLUMN holds`, `DELETE FROM schema_migrations WHERE version = 100`,
		`UPDATE sites SET mode = 'auto_approve_trusted'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	site, err := s.Site(ctx, "news")
	if err != nil || site.Mode != comment.ModeTrusted {
		t.Errorf("mode after migration = %q, %v; want trusted", site.Mode, err)
	}
}
