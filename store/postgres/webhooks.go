package postgres

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/comment"
)

const webhookCols = `id, site_id, url, secret_cipher, events, format, enabled, created_at`

func scanWebhook(row pgx.Row) (comment.Webhook, error) {
	var w comment.Webhook
	err := row.Scan(&w.ID, &w.SiteID, &w.URL, &w.SecretCipher, &w.Events, &w.Format, &w.Enabled, &w.CreatedAt)
	w.CreatedAt = utc(w.CreatedAt)
	return w, storeErr(err, "Webhook")
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateWebhook stores a webhook.
func (s *Store) CreateWebhook(ctx context.Context, w comment.Webhook) (comment.Webhook, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sites WHERE id = $1)`, w.SiteID).Scan(&exists); err != nil {
			return storeErr(err, "Site")
		}
		if !exists {
			return comment.Errorf(comment.CodeNotFound, "Site %q not found.", w.SiteID)
		}
		return storeErr(tx.QueryRow(ctx, `INSERT INTO webhooks (site_id, url, secret_cipher, events, format, enabled, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, w.SiteID, w.URL, w.SecretCipher, nonNilStrings(w.Events), w.Format,
			w.Enabled, ts(w.CreatedAt)).Scan(&w.ID), "Webhook")
	})
	w.CreatedAt = ts(w.CreatedAt)
	return w, err
}

// UpdateWebhook replaces a webhook's settings.
func (s *Store) UpdateWebhook(ctx context.Context, w comment.Webhook) error {
	tag, err := s.pool.Exec(ctx, `UPDATE webhooks SET url = $1, secret_cipher = $2, events = $3, format = $4, enabled = $5
		WHERE id = $6 AND site_id = $7`, w.URL, w.SecretCipher, nonNilStrings(w.Events), w.Format, w.Enabled, w.ID, w.SiteID)
	return notFoundIfNone(tag.RowsAffected(), err, w.ID)
}

func notFoundIfNone(n int64, err error, id int64) error {
	if err != nil {
		return storeErr(err, "Webhook")
	}
	if n == 0 {
		return comment.Errorf(comment.CodeNotFound, "Webhook %d not found.", id)
	}
	return nil
}

// DeleteWebhook deletes a webhook of a site.
func (s *Store) DeleteWebhook(ctx context.Context, siteID string, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhooks WHERE id = $1 AND site_id = $2`, id, siteID)
	return notFoundIfNone(tag.RowsAffected(), err, id)
}

// Webhook returns one webhook.
func (s *Store) Webhook(ctx context.Context, id int64) (comment.Webhook, error) {
	return scanWebhook(s.pool.QueryRow(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = $1`, id))
}

// SiteWebhooks lists a site's webhooks.
func (s *Store) SiteWebhooks(ctx context.Context, siteID string) ([]comment.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE site_id = $1 ORDER BY id`, siteID)
	if err != nil {
		return nil, storeErr(err, "Webhook")
	}
	defer rows.Close()
	var out []comment.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, storeErr(rows.Err(), "Webhook")
}

func auditData(ctx context.Context, tx pgx.Tx, r comment.DataRequest, action comment.Action, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, note, target) VALUES ($1, $2, $3, NULL, $4, $5, $6)`,
		ts(r.At), r.By, string(action), r.SiteID, note, "commenter:"+hex.EncodeToString(r.EmailHMAC))
	return storeErr(err, "Audit")
}

// ExportCommenter returns what a site holds about a commenter, audited.
func (s *Store) ExportCommenter(ctx context.Context, r comment.DataRequest) (comment.CommenterData, error) {
	var out comment.CommenterData
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if out.Comments, err = queryComments(ctx, tx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id
			WHERE c.site_id = $1 AND c.email_hmac = $2 ORDER BY c.created_at, c.id`, r.SiteID, r.EmailHMAC); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, comment_id, site_id, reason, explanation, name, email_cipher, reporter, good_faith, created_at
			FROM reports WHERE site_id = $1 AND reporter = $2 ORDER BY created_at, id`, r.SiteID, r.EmailHMAC)
		if err != nil {
			return storeErr(err, "Report")
		}
		for rows.Next() {
			var rep comment.Report
			var reason string
			if err := rows.Scan(&rep.ID, &rep.CommentID, &rep.SiteID, &reason, &rep.Explanation, &rep.Name, &rep.EmailCipher, &rep.Reporter, &rep.GoodFaith, &rep.CreatedAt); err != nil {
				rows.Close()
				return storeErr(err, "Report")
			}
			rep.Reason, rep.CreatedAt = comment.ReportReason(reason), utc(rep.CreatedAt)
			out.Reports = append(out.Reports, rep)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return storeErr(err, "Report")
		}
		return auditData(ctx, tx, r, comment.ActionDataExport, fmt.Sprintf("%d comments, %d reports", len(out.Comments), len(out.Reports)))
	})
	if err != nil {
		return out, err
	}
	out.Commenter, err = s.Commenter(ctx, r.SiteID, r.EmailHMAC)
	return out, err
}

// EraseCommenter deletes (or, where others' replies depend on them,
// anonymises) a commenter's comments, reports and standing on a site.
func (s *Store) EraseCommenter(ctx context.Context, r comment.DataRequest) (comment.Erasure, error) {
	var out comment.Erasure
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		out = comment.Erasure{}
		type erasable struct {
			article  int64
			approved bool
		}
		mine := map[int64]erasable{}
		var ids []int64
		rows, err := tx.Query(ctx, `SELECT id, article_id, status = 'approved' AND revision_of IS NULL FROM comments
			WHERE site_id = $1 AND email_hmac = $2 ORDER BY id FOR UPDATE`, r.SiteID, r.EmailHMAC)
		if err != nil {
			return storeErr(err, "Comment")
		}
		for rows.Next() {
			var id int64
			var e erasable
			if err := rows.Scan(&id, &e.article, &e.approved); err != nil {
				rows.Close()
				return storeErr(err, "Comment")
			}
			mine[id] = e
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return storeErr(err, "Comment")
		}
		var links []comment.Link
		if len(ids) > 0 {
			rows, err := tx.Query(ctx, `SELECT id, COALESCE(parent_id, 0), COALESCE(root_id, 0) FROM comments
				WHERE parent_id = ANY($1) OR root_id = ANY($1)`, ids)
			if err != nil {
				return storeErr(err, "Comment")
			}
			for rows.Next() {
				var l comment.Link
				if err := rows.Scan(&l.ID, &l.ParentID, &l.RootID); err != nil {
					rows.Close()
					return storeErr(err, "Comment")
				}
				links = append(links, l)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return storeErr(err, "Comment")
			}
		}
		out.Deleted, out.Anonymised = comment.PlanErasure(ids, links)
		articles := map[int64]int{}
		for _, id := range ids {
			e := mine[id]
			articles[e.article] += 0 // its thread may change
			if e.approved {
				articles[e.article]--
			}
		}
		all := append(append([]int64{}, out.Deleted...), out.Anonymised...)
		steps := []struct {
			q   string
			ids []int64
		}{
			{`DELETE FROM outbox WHERE comment_id = ANY($1)`, all},
			{`DELETE FROM appeals WHERE comment_id = ANY($1)`, all},
			{`DELETE FROM comment_notify WHERE comment_id = ANY($1)`, all},
			{`DELETE FROM reports WHERE comment_id = ANY($1)`, out.Deleted},
			{`DELETE FROM comment_sources WHERE comment_id = ANY($1)`, out.Deleted},
			{`UPDATE audit_log SET comment_id = NULL WHERE comment_id = ANY($1)`, out.Deleted},
			{`DELETE FROM comments WHERE id = ANY($1)`, out.Deleted},
		}
		for _, st := range steps {
			if len(st.ids) == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, st.q, st.ids); err != nil {
				return storeErr(err, "Comment")
			}
		}
		if len(out.Anonymised) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE comments SET author_name = $1, author_website = '', body = '', html = '',
				email_cipher = '\x'::bytea, email_hmac = '\x'::bytea, ip_hash = NULL, edit_token_hash = '\x'::bytea, spans = '[]', note = '', sso_sub = '', awaiting_verification = false,
				status = 'deleted', decided_at = $2, decided_by = 'author' WHERE id = ANY($3)`,
				comment.FormerCommenter, ts(r.At), out.Anonymised); err != nil {
				return storeErr(err, "Comment")
			}
		}
		var touched []int64
		for article := range articles {
			touched = append(touched, article)
		}
		rows, err = tx.Query(ctx, `SELECT DISTINCT a.url FROM articles a JOIN comments c ON c.article_id = a.id
			WHERE c.id = ANY($1) OR a.id = ANY($2) ORDER BY a.url`, nonNilIDs(out.Anonymised), nonNilIDs(touched))
		if err != nil {
			return storeErr(err, "Article")
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return storeErr(err, "Article")
			}
			out.Articles = append(out.Articles, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return storeErr(err, "Article")
		}
		for article, delta := range articles {
			if _, err := tx.Exec(ctx, `UPDATE articles SET approved_count = approved_count + $1 WHERE id = $2`, delta, article); err != nil {
				return storeErr(err, "Article")
			}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM reports WHERE site_id = $1 AND reporter = $2`, r.SiteID, r.EmailHMAC)
		if err != nil {
			return storeErr(err, "Report")
		}
		out.Reports = int(tag.RowsAffected())
		for _, q := range []string{
			`DELETE FROM commenters WHERE site_id = $1 AND email_hmac = $2`,
			`DELETE FROM commenter_verifications WHERE site_id = $1 AND email_hmac = $2`,
			`DELETE FROM commenter_keys WHERE site_id = $1 AND email_hmac = $2`,
		} {
			if _, err := tx.Exec(ctx, q, r.SiteID, r.EmailHMAC); err != nil {
				return storeErr(err, "Commenter")
			}
		}
		return auditData(ctx, tx, r, comment.ActionDataErase, out.Note())
	})
	return out, err
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
