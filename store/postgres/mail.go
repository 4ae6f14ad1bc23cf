package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
	_, err := tx.Exec(ctx, `INSERT INTO comment_notify (comment_id, topics, lang) VALUES ($1, $2, $3)`,
		c.ID, strings.Join(c.Notify, ","), lang)
	return storeErr(err, "Comment")
}

// NotifyOf returns what a comment's author asked to hear about.
func (s *Store) NotifyOf(ctx context.Context, commentID int64) (comment.Notify, error) {
	n := comment.Notify{CommentID: commentID, Lang: "en"}
	var topics string
	err := s.pool.QueryRow(ctx, `SELECT topics, lang FROM comment_notify WHERE comment_id = $1`, commentID).Scan(&topics, &n.Lang)
	if errors.Is(err, pgx.ErrNoRows) {
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
	_, err := s.pool.Exec(ctx, `INSERT INTO mail_unsubscribes (site_id, email_hmac, at) VALUES ($1, $2, $3)
		ON CONFLICT (site_id, email_hmac) DO NOTHING`, siteID, emailHMAC, ts(at))
	return storeErr(err, "Unsubscribe")
}

// Unsubscribed reports whether a commenter unsubscribed on a site.
func (s *Store) Unsubscribed(ctx context.Context, siteID string, emailHMAC []byte) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mail_unsubscribes WHERE site_id = $1 AND email_hmac = $2)`, siteID, emailHMAC).Scan(&ok)
	return ok, storeErr(err, "Unsubscribe")
}

// LastOutbox returns the newest item of a kind and topic about a comment.
func (s *Store) LastOutbox(ctx context.Context, kind, topic string, commentID int64) (comment.OutboxItem, error) {
	it, err := scanOutbox(s.pool.QueryRow(ctx, `SELECT `+outboxCols+` FROM outbox
		WHERE comment_id = $1 AND kind = $2 AND topic = $3 ORDER BY id DESC LIMIT 1`, commentID, kind, topic))
	if errors.Is(err, pgx.ErrNoRows) {
		return it, comment.Errorf(comment.CodeNotFound, "No %s %s item about comment %d.", kind, topic, commentID)
	}
	return it, storeErr(err, "Outbox")
}

// ApprovedReplies lists a comment's approved direct replies decided in
// (after, until], oldest first.
func (s *Store) ApprovedReplies(ctx context.Context, parentID int64, after, until time.Time) ([]comment.Comment, error) {
	return queryComments(ctx, s.pool, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.parent_id = $1 AND c.status = 'approved' AND c.revision_of IS NULL AND c.decided_at > $2 AND c.decided_at <= $3
		ORDER BY c.decided_at, c.id`, parentID, ts(after), ts(until))
}

// SetModeratorMail sets a moderator's email and digest interval.
func (s *Store) SetModeratorMail(ctx context.Context, m comment.ModeratorMail) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO moderator_mail (moderator_id, email_cipher, digest)
		SELECT id, $2, $3 FROM moderators WHERE id = $1
		ON CONFLICT (moderator_id) DO UPDATE SET email_cipher = excluded.email_cipher, digest = excluded.digest`,
		m.ModeratorID, nonNil(m.EmailCipher), m.Digest)
	if err != nil {
		return storeErr(err, "Moderator")
	}
	if tag.RowsAffected() == 0 {
		return comment.Errorf(comment.CodeNotFound, "Moderator %d not found.", m.ModeratorID)
	}
	return nil
}

// ModeratorMails lists the moderators with an email, by name.
func (s *Store) ModeratorMails(ctx context.Context) ([]comment.ModeratorMail, error) {
	rows, err := s.pool.Query(ctx, `SELECT mm.moderator_id, m.name, mm.email_cipher, mm.digest, mm.last_digest, mm.last_alert
		FROM moderator_mail mm JOIN moderators m ON m.id = mm.moderator_id ORDER BY m.name`)
	if err != nil {
		return nil, storeErr(err, "Moderator")
	}
	defer rows.Close()
	var out []comment.ModeratorMail
	for rows.Next() {
		var m comment.ModeratorMail
		var digest, alert *time.Time
		if err := rows.Scan(&m.ModeratorID, &m.Name, &m.EmailCipher, &m.Digest, &digest, &alert); err != nil {
			return nil, storeErr(err, "Moderator")
		}
		if digest != nil {
			m.LastDigest = digest.UTC()
		}
		if alert != nil {
			m.LastAlert = alert.UTC()
		}
		out = append(out, m)
	}
	return out, storeErr(rows.Err(), "Moderator")
}

// MarkModeratorMail records a digest or alert queued, with the items ctx
// carries, in one transaction.
func (s *Store) MarkModeratorMail(ctx context.Context, moderatorID int64, digest, alert time.Time) error {
	now := digest
	if now.IsZero() {
		now = alert
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE moderator_mail SET last_digest = coalesce($1, last_digest),
			last_alert = coalesce($2, last_alert) WHERE moderator_id = $3`, nullTime(digest), nullTime(alert), moderatorID)
		if err != nil {
			return storeErr(err, "Moderator")
		}
		if tag.RowsAffected() == 0 {
			return comment.Errorf(comment.CodeNotFound, "Moderator %d has no email.", moderatorID)
		}
		return insertOutbox(ctx, tx, 0, now)
	})
}
