package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/comment"
)

const webhookCols = `id, site_id, url, secret_cipher, events, format, enabled, created_at`

func scanWebhook(row interface{ Scan(...any) error }) (comment.Webhook, error) {
	var w comment.Webhook
	var events string
	var enabled int
	var created int64
	if err := row.Scan(&w.ID, &w.SiteID, &w.URL, &w.SecretCipher, &events, &w.Format, &enabled, &created); err != nil {
		return w, storeErr(err, "Webhook")
	}
	w.Enabled, w.CreatedAt = enabled != 0, fromMicro(created)
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return w, storeErr(err, "Webhook")
	}
	return w, nil
}

// CreateWebhook stores a webhook.
func (s *Store) CreateWebhook(ctx context.Context, w comment.Webhook) (comment.Webhook, error) {
	events, err := json.Marshal(nonNil(w.Events))
	if err != nil {
		return w, storeErr(err, "Webhook")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return w, storeErr(err, "Webhook")
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE id = ?`, w.SiteID).Scan(&n); err != nil {
		return w, storeErr(err, "Site")
	}
	if n == 0 {
		return w, comment.Errorf(comment.CodeNotFound, "Site %q not found.", w.SiteID)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO webhooks (site_id, url, secret_cipher, events, format, enabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, w.SiteID, w.URL, w.SecretCipher, string(events), w.Format, boolInt(w.Enabled), micro(w.CreatedAt))
	if err != nil {
		return w, storeErr(err, "Webhook")
	}
	w.ID, _ = res.LastInsertId()
	w.CreatedAt = fromMicro(micro(w.CreatedAt))
	return w, storeErr(tx.Commit(), "Webhook")
}

// UpdateWebhook replaces a webhook's settings.
func (s *Store) UpdateWebhook(ctx context.Context, w comment.Webhook) error {
	events, err := json.Marshal(nonNil(w.Events))
	if err != nil {
		return storeErr(err, "Webhook")
	}
	res, err := s.w.ExecContext(ctx, `UPDATE webhooks SET url = ?, secret_cipher = ?, events = ?, format = ?, enabled = ?
		WHERE id = ? AND site_id = ?`, w.URL, w.SecretCipher, string(events), w.Format, boolInt(w.Enabled), w.ID, w.SiteID)
	return affected(res, err, "Webhook", w.ID)
}

// DeleteWebhook deletes a webhook of a site.
func (s *Store) DeleteWebhook(ctx context.Context, siteID string, id int64) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ? AND site_id = ?`, id, siteID)
	return affected(res, err, "Webhook", id)
}

// Webhook returns one webhook.
func (s *Store) Webhook(ctx context.Context, id int64) (comment.Webhook, error) {
	return scanWebhook(s.r.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = ?`, id))
}

// SiteWebhooks lists a site's webhooks.
func (s *Store) SiteWebhooks(ctx context.Context, siteID string) ([]comment.Webhook, error) {
	st, err := s.readStmt(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE site_id = ? ORDER BY id`)
	if err != nil {
		return nil, storeErr(err, "Webhook")
	}
	rows, err := st.QueryContext(ctx, siteID)
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

// commenterTarget is how data-rights audit entries name the commenter.
func commenterTarget(emailHMAC []byte) string { return "commenter:" + hex.EncodeToString(emailHMAC) }

func auditData(ctx context.Context, tx *sql.Tx, r comment.DataRequest, action comment.Action, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, note, target) VALUES (?, ?, ?, NULL, ?, ?, ?)`,
		micro(r.At), r.By, string(action), r.SiteID, note, commenterTarget(r.EmailHMAC))
	return storeErr(err, "Audit")
}

// ExportCommenter returns what a site holds about a commenter, audited.
func (s *Store) ExportCommenter(ctx context.Context, r comment.DataRequest) (comment.CommenterData, error) {
	var out comment.CommenterData
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return out, storeErr(err, "Commenter")
	}
	defer tx.Rollback()
	if out.Comments, err = queryComments(ctx, tx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.site_id = ? AND c.email_hmac = ? ORDER BY c.created_at, c.id`, r.SiteID, r.EmailHMAC); err != nil {
		return out, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, comment_id, site_id, reason, explanation, name, email_cipher, reporter, good_faith, created_at
		FROM reports WHERE site_id = ? AND reporter = ? ORDER BY created_at, id`, r.SiteID, r.EmailHMAC)
	if err != nil {
		return out, storeErr(err, "Report")
	}
	for rows.Next() {
		var rep comment.Report
		var reason string
		var gf int
		var at int64
		if err := rows.Scan(&rep.ID, &rep.CommentID, &rep.SiteID, &reason, &rep.Explanation, &rep.Name, &rep.EmailCipher, &rep.Reporter, &gf, &at); err != nil {
			rows.Close()
			return out, storeErr(err, "Report")
		}
		rep.Reason, rep.GoodFaith, rep.CreatedAt = comment.ReportReason(reason), gf != 0, fromMicro(at)
		out.Reports = append(out.Reports, rep)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, storeErr(err, "Report")
	}
	if err := auditData(ctx, tx, r, comment.ActionDataExport,
		fmt.Sprintf("%d comments, %d reports", len(out.Comments), len(out.Reports))); err != nil {
		return out, err
	}
	if err := tx.Commit(); err != nil {
		return out, storeErr(err, "Commenter")
	}
	out.Commenter, err = s.Commenter(ctx, r.SiteID, r.EmailHMAC)
	return out, err
}

// EraseCommenter deletes (or, where others' replies depend on them,
// anonymises) a commenter's comments, reports and standing on a site.
func (s *Store) EraseCommenter(ctx context.Context, r comment.DataRequest) (comment.Erasure, error) {
	var out comment.Erasure
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return out, storeErr(err, "Commenter")
	}
	defer tx.Rollback()
	mine := map[int64]erasable{}
	rows, err := tx.QueryContext(ctx, `SELECT id, article_id, status, revision_of IS NOT NULL FROM comments WHERE site_id = ? AND email_hmac = ?`,
		r.SiteID, r.EmailHMAC)
	if err != nil {
		return out, storeErr(err, "Comment")
	}
	var ids []int64
	for rows.Next() {
		var e erasable
		var id int64
		var rev int
		if err := rows.Scan(&id, &e.article, &e.status, &rev); err != nil {
			rows.Close()
			return out, storeErr(err, "Comment")
		}
		e.revision = rev != 0
		mine[id] = e
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, storeErr(err, "Comment")
	}
	var links []comment.Link
	if len(ids) > 0 {
		in := placeholders(len(ids))
		args := append(int64Args(ids), int64Args(ids)...)
		rows, err := tx.QueryContext(ctx, `SELECT id, COALESCE(parent_id, 0), COALESCE(root_id, 0) FROM comments
			WHERE parent_id IN (`+in+`) OR root_id IN (`+in+`)`, args...)
		if err != nil {
			return out, storeErr(err, "Comment")
		}
		for rows.Next() {
			var l comment.Link
			if err := rows.Scan(&l.ID, &l.ParentID, &l.RootID); err != nil {
				rows.Close()
				return out, storeErr(err, "Comment")
			}
			links = append(links, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, storeErr(err, "Comment")
		}
	}
	out.Deleted, out.Anonymised = comment.PlanErasure(ids, links)
	articles := map[int64]int{}
	for _, id := range append(append([]int64{}, out.Deleted...), out.Anonymised...) {
		e := mine[id]
		articles[e.article] += 0 // its thread may change
		if e.status == comment.StatusApproved && !e.revision {
			articles[e.article]--
		}
	}
	for _, set := range [][]int64{out.Deleted, out.Anonymised} {
		if len(set) == 0 {
			continue
		}
		in, args := placeholders(len(set)), int64Args(set)
		for _, q := range []string{
			`DELETE FROM outbox WHERE comment_id IN (` + in + `)`,
			`DELETE FROM appeals WHERE comment_id IN (` + in + `)`,
			`DELETE FROM comment_notify WHERE comment_id IN (` + in + `)`,
		} {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return out, storeErr(err, "Comment")
			}
		}
	}
	if len(out.Deleted) > 0 {
		in, args := placeholders(len(out.Deleted)), int64Args(out.Deleted)
		for _, q := range []string{
			`DELETE FROM reports WHERE comment_id IN (` + in + `)`,
			`DELETE FROM comment_sources WHERE comment_id IN (` + in + `)`,
			`UPDATE audit_log SET comment_id = NULL WHERE comment_id IN (` + in + `)`,
			`DELETE FROM comments WHERE id IN (` + in + `)`,
		} {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return out, storeErr(err, "Comment")
			}
		}
	}
	if len(out.Anonymised) > 0 {
		in := placeholders(len(out.Anonymised))
		args := append([]any{comment.FormerCommenter, micro(r.At)}, int64Args(out.Anonymised)...)
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET author_name = ?, author_website = '', body = '', html = '',
			email_cipher = x'', email_hmac = x'', ip_hash = NULL, edit_token_hash = x'', spans = '[]', note = '', sso_sub = '', awaiting_verification = 0,
			status = 'deleted', decided_at = ?, decided_by = 'author' WHERE id IN (`+in+`)`, args...); err != nil {
			return out, storeErr(err, "Comment")
		}
	}
	if len(ids) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT a.url FROM articles a JOIN comments c ON c.article_id = a.id
			WHERE c.id IN (`+placeholders(len(out.Anonymised))+`) OR a.id IN (`+placeholders(len(articles))+`) ORDER BY a.url`,
			append(int64Args(out.Anonymised), int64Args(mapKeys(articles))...)...)
		if err != nil {
			return out, storeErr(err, "Article")
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return out, storeErr(err, "Article")
			}
			out.Articles = append(out.Articles, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, storeErr(err, "Article")
		}
	}
	for article, delta := range articles {
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET approved_count = approved_count + ? WHERE id = ?`, delta, article); err != nil {
			return out, storeErr(err, "Article")
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM reports WHERE site_id = ? AND reporter = ?`, r.SiteID, r.EmailHMAC)
	if err != nil {
		return out, storeErr(err, "Report")
	}
	n, _ := res.RowsAffected()
	out.Reports = int(n)
	for _, q := range []string{
		`DELETE FROM commenters WHERE site_id = ? AND email_hmac = ?`,
		`DELETE FROM commenter_verifications WHERE site_id = ? AND email_hmac = ?`,
		`DELETE FROM commenter_keys WHERE site_id = ? AND email_hmac = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, r.SiteID, r.EmailHMAC); err != nil {
			return out, storeErr(err, "Commenter")
		}
	}
	if err := auditData(ctx, tx, r, comment.ActionDataErase, out.Note()); err != nil {
		return out, err
	}
	return out, storeErr(tx.Commit(), "Commenter")
}

type erasable struct {
	article  int64
	status   comment.Status
	revision bool
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func mapKeys(m map[int64]int) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
