package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

// insertNotify records what a new comment's author asked to hear about,
// inside the comment's transaction.
func insertNotify(ctx context.Context, tx execer, c *comment.Comment) error {
	if len(c.Notify) == 0 {
		return nil
	}
	lang := c.NotifyLang
	if lang == "" {
		lang = "en"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO comment_notify (comment_id, topics, lang) VALUES (?, ?, ?)`,
		c.ID, strings.Join(c.Notify, ","), lang)
	return storeErr(err, "Comment")
}

// NotifyOf returns what a comment's author asked to hear about.
func (s *Store) NotifyOf(ctx context.Context, commentID int64) (comment.Notify, error) {
	n := comment.Notify{CommentID: commentID, Lang: "en"}
	var topics string
	err := s.r.QueryRowContext(ctx, `SELECT topics, lang FROM comment_notify WHERE comment_id = ?`, commentID).Scan(&topics, &n.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		return n, nil
	}
	if err != nil {
		return n, storeErr(err, "Comment")
	}
	if topics != "" {
		n.Topics = strings.Split(topics, ",")
	}
	return n, nil
}

// Unsubscribe stops every message to a commenter on a site.
func (s *Store) Unsubscribe(ctx context.Context, siteID string, emailHMAC []byte, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO mail_unsubscribes (site_id, email_hmac, at) VALUES (?, ?, ?)
		ON CONFLICT (site_id, email_hmac) DO NOTHING`, siteID, emailHMAC, micro(at))
	return storeErr(err, "Unsubscribe")
}

// Unsubscribed reports whether a commenter unsubscribed on a site.
func (s *Store) Unsubscribed(ctx context.Context, siteID string, emailHMAC []byte) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM mail_unsubscribes WHERE site_id = ? AND email_hmac = ?`, siteID, emailHMAC).Scan(&n)
	return n > 0, storeErr(err, "Unsubscribe")
}

// LastOutbox returns the newest item of a kind and topic about a comment.
func (s *Store) LastOutbox(ctx context.Context, kind, topic string, commentID int64) (comment.OutboxItem, error) {
	it, err := scanOutbox(s.r.QueryRowContext(ctx, `SELECT `+outboxCols+` FROM outbox
		WHERE comment_id = ? AND kind = ? AND topic = ? ORDER BY id DESC LIMIT 1`, commentID, kind, topic))
	if errors.Is(err, sql.ErrNoRows) {
		return it, comment.Errorf(comment.CodeNotFound, "No %s %s item about comment %d.", kind, topic, commentID)
	}
	return it, storeErr(err, "Outbox")
}

// ApprovedReplies lists a comment's approved direct replies decided in
// (after, until], oldest first.
func (s *Store) ApprovedReplies(ctx context.Context, parentID int64, after, until time.Time) ([]comment.Comment, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer tx.Rollback()
	return queryComments(ctx, tx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.parent_id = ? AND c.status = 'approved' AND c.revision_of IS NULL AND c.decided_at > ? AND c.decided_at <= ?
		ORDER BY c.decided_at, c.id`, parentID, micro(after), micro(until))
}

// SetModeratorMail sets a moderator's email and digest interval.
func (s *Store) SetModeratorMail(ctx context.Context, m comment.ModeratorMail) error {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM moderators WHERE id = ?`, m.ModeratorID).Scan(&n); err != nil {
		return storeErr(err, "Moderator")
	}
	if n == 0 {
		return comment.Errorf(comment.CodeNotFound, "Moderator %d not found.", m.ModeratorID)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO moderator_mail (moderator_id, email_cipher, digest) VALUES (?, ?, ?)
		ON CONFLICT (moderator_id) DO UPDATE SET email_cipher = excluded.email_cipher, digest = excluded.digest`,
		m.ModeratorID, nonNil(m.EmailCipher), m.Digest)
	return storeErr(err, "Moderator")
}

// ModeratorMails lists the moderators with an email, by name.
func (s *Store) ModeratorMails(ctx context.Context) ([]comment.ModeratorMail, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT mm.moderator_id, m.name, mm.email_cipher, mm.digest, mm.last_digest, mm.last_alert
		FROM moderator_mail mm JOIN moderators m ON m.id = mm.moderator_id ORDER BY m.name`)
	if err != nil {
		return nil, storeErr(err, "Moderator")
	}
	defer rows.Close()
	var out []comment.ModeratorMail
	for rows.Next() {
		var m comment.ModeratorMail
		var digest, alert int64
		if err := rows.Scan(&m.ModeratorID, &m.Name, &m.EmailCipher, &m.Digest, &digest, &alert); err != nil {
			return nil, storeErr(err, "Moderator")
		}
		if digest != 0 {
			m.LastDigest = fromMicro(digest)
		}
		if alert != 0 {
			m.LastAlert = fromMicro(alert)
		}
		out = append(out, m)
	}
	return out, storeErr(rows.Err(), "Moderator")
}

// MarkModeratorMail records a digest or alert queued, with the items ctx
// carries, in one transaction.
func (s *Store) MarkModeratorMail(ctx context.Context, moderatorID int64, digest, alert time.Time) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(err, "Moderator")
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE moderator_mail SET
		last_digest = CASE WHEN ? = 0 THEN last_digest ELSE ? END,
		last_alert = CASE WHEN ? = 0 THEN last_alert ELSE ? END WHERE moderator_id = ?`,
		zeroMicro(digest), zeroMicro(digest), zeroMicro(alert), zeroMicro(alert), moderatorID)
	if err != nil {
		return storeErr(err, "Moderator")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return comment.Errorf(comment.CodeNotFound, "Moderator %d has no email.", moderatorID)
	}
	now := digest
	if now.IsZero() {
		now = alert
	}
	if err := insertOutbox(ctx, tx, 0, now); err != nil {
		return err
	}
	return storeErr(tx.Commit(), "Moderator")
}

func zeroMicro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micro(t)
}
