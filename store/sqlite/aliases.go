package sqlite

import (
	"context"

	"github.com/parleyhq/parley/comment"
)

// CanonicalizeArticle records an alias and moves the article to its
// canonical URL; see comment.LifecycleStore.
func (s *Store) CanonicalizeArticle(ctx context.Context, ch comment.ArticleCanonical) (comment.Article, error) {
	if ch.URL == ch.Canonical {
		return comment.Article{}, comment.Errorf(comment.CodeInvalid, "The canonical URL is the article's own.")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return comment.Article{}, storeErr(err, "Article")
	}
	defer tx.Rollback()
	old, err := scanArticle(tx.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles WHERE site_id = ? AND url = ?`, ch.SiteID, ch.URL))
	if err != nil {
		return old, storeErr(err, "Article")
	}
	canon, err := scanArticle(tx.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles WHERE site_id = ? AND url = ?`, ch.SiteID, ch.Canonical))
	switch comment.ErrorCode(storeErr(err, "Article")) {
	case comment.CodeNotFound:
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET url = ? WHERE id = ?`, ch.Canonical, old.ID); err != nil {
			return old, storeErr(err, "Article")
		}
		canon.ID = old.ID
	case "":
		for _, q := range []string{
			`UPDATE comments SET article_id = ? WHERE article_id = ?`,
			// An imported comment known to both articles keeps the canonical one's record.
			`DELETE FROM comment_sources WHERE article_id = ?2 AND EXISTS (SELECT 1 FROM comment_sources c
				WHERE c.article_id = ?1 AND c.source = comment_sources.source AND c.source_id = comment_sources.source_id)`,
			`UPDATE comment_sources SET article_id = ? WHERE article_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, canon.ID, old.ID); err != nil {
				return old, storeErr(err, "Article")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET approved_count = approved_count + ? WHERE id = ?`, old.ApprovedCount, canon.ID); err != nil {
			return old, storeErr(err, "Article")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM articles WHERE id = ?`, old.ID); err != nil {
			return old, storeErr(err, "Article")
		}
	default:
		return old, storeErr(err, "Article")
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM article_aliases WHERE site_id = ? AND url = ?`, []any{ch.SiteID, ch.Canonical}},
		{`UPDATE article_aliases SET canonical = ? WHERE site_id = ? AND canonical = ?`, []any{ch.Canonical, ch.SiteID, ch.URL}},
		{`INSERT INTO article_aliases (site_id, url, canonical, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (site_id, url) DO UPDATE SET canonical = excluded.canonical`, []any{ch.SiteID, ch.URL, ch.Canonical, micro(ch.At)}},
		{`INSERT INTO audit_log (at, moderator, action, comment_id, site_id, note, target) VALUES (?, ?, ?, NULL, ?, ?, ?)`,
			[]any{micro(ch.At), ch.Moderator, string(comment.ActionCanonical), ch.SiteID, ch.Canonical, ch.URL}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return old, storeErr(err, "Article")
		}
	}
	a, err := scanArticle(tx.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles WHERE id = ?`, canon.ID))
	if err != nil {
		return a, storeErr(err, "Article")
	}
	return a, storeErr(tx.Commit(), "Article")
}

// ArticleAliases returns a site's aliases, URL → canonical URL.
func (s *Store) ArticleAliases(ctx context.Context, siteID string) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT url, canonical FROM article_aliases WHERE site_id = ?`, siteID)
	if err != nil {
		return nil, storeErr(err, "Article")
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var url, canonical string
		if err := rows.Scan(&url, &canonical); err != nil {
			return nil, storeErr(err, "Article")
		}
		out[url] = canonical
	}
	return out, storeErr(rows.Err(), "Article")
}
