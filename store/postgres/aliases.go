package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/comment"
)

// CanonicalizeArticle records an alias and moves the article to its
// canonical URL; see comment.LifecycleStore.
func (s *Store) CanonicalizeArticle(ctx context.Context, ch comment.ArticleCanonical) (comment.Article, error) {
	if ch.URL == ch.Canonical {
		return comment.Article{}, comment.Errorf(comment.CodeInvalid, "The canonical URL is the article's own.")
	}
	var a comment.Article
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Both rows are locked, in URL order so that two moves between the
		// same articles cannot deadlock.
		rows, err := tx.Query(ctx, `SELECT `+articleCols+` FROM articles WHERE site_id = $1 AND url IN ($2, $3) ORDER BY url FOR UPDATE`,
			ch.SiteID, ch.URL, ch.Canonical)
		if err != nil {
			return storeErr(err, "Article")
		}
		var old, canon comment.Article
		for rows.Next() {
			got, err := scanArticle(rows)
			if err != nil {
				rows.Close()
				return storeErr(err, "Article")
			}
			if got.URL == ch.URL {
				old = got
			} else {
				canon = got
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return storeErr(err, "Article")
		}
		if old.ID == 0 {
			return comment.Errorf(comment.CodeNotFound, "Article not found.")
		}
		if canon.ID == 0 {
			if _, err := tx.Exec(ctx, `UPDATE articles SET url = $1 WHERE id = $2`, ch.Canonical, old.ID); err != nil {
				return storeErr(err, "Article")
			}
			canon.ID = old.ID
		} else {
			for _, q := range []string{
				`UPDATE comments SET article_id = $1 WHERE article_id = $2`,
				// An imported comment known to both articles keeps the canonical one's record.
				`DELETE FROM comment_sources o WHERE o.article_id = $2 AND EXISTS (SELECT 1 FROM comment_sources c
					WHERE c.article_id = $1 AND c.source = o.source AND c.source_id = o.source_id)`,
				`UPDATE comment_sources SET article_id = $1 WHERE article_id = $2`,
			} {
				if _, err := tx.Exec(ctx, q, canon.ID, old.ID); err != nil {
					return storeErr(err, "Article")
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE articles SET approved_count = approved_count + $1 WHERE id = $2`, old.ApprovedCount, canon.ID); err != nil {
				return storeErr(err, "Article")
			}
			if _, err := tx.Exec(ctx, `DELETE FROM articles WHERE id = $1`, old.ID); err != nil {
				return storeErr(err, "Article")
			}
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM article_aliases WHERE site_id = $1 AND url = $2`, []any{ch.SiteID, ch.Canonical}},
			{`UPDATE article_aliases SET canonical = $1 WHERE site_id = $2 AND canonical = $3`, []any{ch.Canonical, ch.SiteID, ch.URL}},
			{`INSERT INTO article_aliases (site_id, url, canonical, created_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (site_id, url) DO UPDATE SET canonical = excluded.canonical`, []any{ch.SiteID, ch.URL, ch.Canonical, ts(ch.At)}},
			{`INSERT INTO audit_log (at, moderator, action, comment_id, site_id, note, target) VALUES ($1, $2, $3, NULL, $4, $5, $6)`,
				[]any{ts(ch.At), ch.Moderator, string(comment.ActionCanonical), ch.SiteID, ch.Canonical, ch.URL}},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return storeErr(err, "Article")
			}
		}
		a, err = scanArticle(tx.QueryRow(ctx, `SELECT `+articleCols+` FROM articles WHERE id = $1`, canon.ID))
		return storeErr(err, "Article")
	})
	return a, storeErr(err, "Article")
}

// ArticleAliases returns a site's aliases, URL → canonical URL.
func (s *Store) ArticleAliases(ctx context.Context, siteID string) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT url, canonical FROM article_aliases WHERE site_id = $1`, siteID)
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
