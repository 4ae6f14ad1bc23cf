package sqlite

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"time"

	"github.com/parleyhq/parley/comment"
)

// Commenter returns a commenter's history and standing on a site, in one
// statement (a row per status of their comments, each carrying the
// standing and the verification), which every submission makes.
func (s *Store) Commenter(ctx context.Context, siteID string, emailHMAC []byte) (comment.Commenter, error) {
	out := comment.Commenter{SiteID: siteID, EmailHMAC: emailHMAC}
	st, err := s.readStmt(ctx, `SELECT h.status, h.n, h.first, c.standing, c.standing_by, c.standing_at, c.standing_until, c.standing_reason, v.method
		FROM (SELECT 1) one
		LEFT JOIN (SELECT status, count(*) AS n, min(created_at) AS first FROM comments
			WHERE site_id = ?1 AND email_hmac = ?2 GROUP BY status) h ON 1
		LEFT JOIN commenters c ON c.site_id = ?1 AND c.email_hmac = ?2
		LEFT JOIN commenter_verifications v ON v.site_id = ?1 AND v.email_hmac = ?2`)
	if err != nil {
		return out, storeErr(err, "Commenter")
	}
	rows, err := st.QueryContext(ctx, siteID, emailHMAC)
	if err != nil {
		return out, storeErr(err, "Commenter")
	}
	defer rows.Close()
	for rows.Next() {
		var status, standing, by, reason, method sql.NullString
		var n, first, at, until sql.NullInt64
		if err := rows.Scan(&status, &n, &first, &standing, &by, &at, &until, &reason, &method); err != nil {
			return out, storeErr(err, "Commenter")
		}
		switch comment.Status(status.String) {
		case comment.StatusApproved:
			out.Approved += int(n.Int64)
		case comment.StatusRejected, comment.StatusSpam, comment.StatusRemoved:
			out.Rejected += int(n.Int64)
		case comment.StatusPending:
			out.Pending += int(n.Int64)
		}
		if first.Valid {
			if t := fromMicro(first.Int64); out.FirstSeen.IsZero() || t.Before(out.FirstSeen) {
				out.FirstSeen = t
			}
		}
		if standing.Valid {
			out.Standing, out.StandingBy, out.StandingAt, out.StandingReason = comment.Standing(standing.String), by.String, fromMicro(at.Int64), reason.String
			if until.Valid {
				out.StandingUntil = fromMicro(until.Int64)
			}
		}
		if method.Valid {
			out.Verified, out.VerifiedBy = true, method.String
		}
	}
	return out, storeErr(rows.Err(), "Commenter")
}

// BannedNote is the note on comments rejected because their author was banned.
const bannedNote = "commenter banned"

// SetStanding bans, trusts or clears a commenter on a site.
func (s *Store) SetStanding(ctx context.Context, ch comment.StandingChange) ([]int64, error) {
	var action comment.Action
	switch ch.Standing {
	case comment.StandingBanned:
		action = comment.ActionBan
	case comment.StandingTrusted:
		action = comment.ActionTrust
	case comment.StandingNone:
		action = comment.ActionClearStanding
	default:
		return nil, comment.Invalid(comment.FieldError{Field: "standing", Message: "must be banned, trusted or empty"})
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, storeErr(err, "Commenter")
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM comments WHERE id = ? AND site_id = ?`, ch.CommentID, ch.SiteID).Scan(&n); err != nil {
		return nil, storeErr(err, "Comment")
	}
	if n == 0 {
		return nil, comment.Errorf(comment.CodeNotFound, "Comment %d not found on site %q.", ch.CommentID, ch.SiteID)
	}
	if ch.Standing == comment.StandingNone {
		_, err = tx.ExecContext(ctx, `DELETE FROM commenters WHERE site_id = ? AND email_hmac = ?`, ch.SiteID, ch.EmailHMAC)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO commenters (site_id, email_hmac, standing, standing_by, standing_at, standing_until, standing_reason)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (site_id, email_hmac) DO UPDATE SET standing = excluded.standing, standing_by = excluded.standing_by,
			standing_at = excluded.standing_at, standing_until = excluded.standing_until, standing_reason = excluded.standing_reason`,
			ch.SiteID, ch.EmailHMAC, string(ch.Standing), ch.Moderator, micro(ch.At), nullTime(ch.Until), ch.Reason)
	}
	if err != nil {
		return nil, storeErr(err, "Commenter")
	}
	if ch.Standing == comment.StandingBanned && len(ch.IPHash) > 0 && ch.AddressUntil.After(ch.At) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO address_bans (site_id, ip_hash, until, reason) VALUES (?, ?, ?, ?)
			ON CONFLICT (site_id, ip_hash) DO UPDATE SET until = excluded.until, reason = excluded.reason`,
			ch.SiteID, ch.IPHash, micro(ch.AddressUntil), ch.Reason); err != nil {
			return nil, storeErr(err, "Commenter")
		}
	}
	if ch.Standing == comment.StandingNone {
		// Lifting a ban lifts the address bans it set; the commenter's
		// address hashes are those of their comments on the site.
		if _, err := tx.ExecContext(ctx, `DELETE FROM address_bans WHERE site_id = ? AND ip_hash IN
			(SELECT ip_hash FROM comments WHERE site_id = ? AND email_hmac = ? AND ip_hash IS NOT NULL)`, ch.SiteID, ch.SiteID, ch.EmailHMAC); err != nil {
			return nil, storeErr(err, "Commenter")
		}
	}
	if err := audit(ctx, tx, ch.At, ch.Moderator, action, ch.CommentID, ch.SiteID, "", ch.Note); err != nil {
		return nil, err
	}
	var rejected []int64
	if ch.Standing == comment.StandingBanned {
		if rejected, err = rejectPending(ctx, tx, ch.SiteID, ch.EmailHMAC, bannedNote, ch.Moderator, ch.At); err != nil {
			return nil, err
		}
	}
	if err := insertOutbox(ctx, tx, ch.CommentID, ch.At); err != nil {
		return nil, err
	}
	return rejected, storeErr(tx.Commit(), "Commenter")
}

// RejectPending rejects every pending comment of a commenter on a site.
func (s *Store) RejectPending(ctx context.Context, siteID string, emailHMAC []byte, note, moderator string, at time.Time) ([]int64, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer tx.Rollback()
	rejected, err := rejectPending(ctx, tx, siteID, emailHMAC, note, moderator, at)
	if err != nil {
		return nil, err
	}
	if err := insertOutbox(ctx, tx, 0, at); err != nil {
		return nil, err
	}
	return rejected, storeErr(tx.Commit(), "Comment")
}

func rejectPending(ctx context.Context, tx *sql.Tx, siteID string, emailHMAC []byte, note, moderator string, at time.Time) ([]int64, error) {
	var rejected []int64
	{
		rows, err := tx.QueryContext(ctx, `UPDATE comments SET status = 'rejected', reason = 'other', note = ?, decided_at = ?, decided_by = ?
			WHERE site_id = ? AND email_hmac = ? AND status = 'pending' RETURNING id`,
			note, micro(at), moderator, siteID, emailHMAC)
		if err != nil {
			return nil, storeErr(err, "Comment")
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, storeErr(err, "Comment")
			}
			rejected = append(rejected, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, storeErr(err, "Comment")
		}
		sort.Slice(rejected, func(i, j int) bool { return rejected[i] < rejected[j] })
		for _, id := range rejected {
			if err := audit(ctx, tx, at, moderator, comment.ActionReject, id, siteID, comment.ReasonOther, note); err != nil {
				return nil, err
			}
		}
	}
	return rejected, nil
}

func audit(ctx context.Context, tx *sql.Tx, at time.Time, moderator string, action comment.Action, commentID int64, siteID string, reason comment.Reason, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, reason, note) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		micro(at), moderator, string(action), nullID(commentID), siteID, string(reason), note)
	return storeErr(err, "Audit")
}

const dayMicros = int64(24 * time.Hour / time.Microsecond)

// Stats aggregates moderation activity since q.Since.
func (s *Store) Stats(ctx context.Context, q comment.StatsQuery) (comment.Stats, error) {
	var st comment.Stats
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return st, storeErr(err, "Stats")
	}
	defer tx.Rollback()
	since := micro(q.Since)
	site := func(col string) string {
		if q.SiteID == "" {
			return `(? = '' OR 1)`
		}
		return col + ` = ?`
	}
	days := map[int64]*comment.DayStats{}
	day := func(d int64) *comment.DayStats {
		if days[d] == nil {
			days[d] = &comment.DayStats{Day: fromMicro(d * dayMicros), Rejected: map[comment.Reason]int{}}
		}
		return days[d]
	}
	type agg struct {
		query string
		add   func(d *comment.DayStats, key string, n int)
	}
	for _, a := range []agg{
		{`SELECT created_at / ` + itoa(dayMicros) + `, '', count(*) FROM comments WHERE ` + site("site_id") + ` AND created_at >= ? GROUP BY 1`,
			func(d *comment.DayStats, _ string, n int) { d.Submitted += n }},
		{`SELECT decided_at / ` + itoa(dayMicros) + `, '', count(*) FROM comments WHERE ` + site("site_id") + ` AND decided_at >= ? GROUP BY 1`,
			func(d *comment.DayStats, _ string, n int) { d.Decided += n }},
		{`SELECT at / ` + itoa(dayMicros) + `, action || ':' || reason, count(*) FROM audit_log WHERE ` + site("site_id") + ` AND at >= ?
			AND action IN ('approve', 'reject') GROUP BY 1, 2`,
			func(d *comment.DayStats, key string, n int) {
				if key == "approve:" {
					d.Approved += n
				} else if len(key) > 7 {
					d.Rejected[comment.Reason(key[7:])] += n
				}
			}},
	} {
		rows, err := tx.QueryContext(ctx, a.query, q.SiteID, since)
		if err != nil {
			return st, storeErr(err, "Stats")
		}
		for rows.Next() {
			var d int64
			var key string
			var n int
			if err := rows.Scan(&d, &key, &n); err != nil {
				rows.Close()
				return st, storeErr(err, "Stats")
			}
			a.add(day(d), key, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return st, storeErr(err, "Stats")
		}
	}
	for _, d := range days {
		st.Days = append(st.Days, *d)
	}
	sort.Slice(st.Days, func(i, j int) bool { return st.Days[i].Day.Before(st.Days[j].Day) })

	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM comments WHERE `+site("site_id")+` AND status = 'pending'`, q.SiteID).Scan(&st.Pending); err != nil {
		return st, storeErr(err, "Stats")
	}
	// The median response time: the middle of the moderators' decisions.
	const responses = ` FROM audit_log l JOIN comments c ON c.id = l.comment_id
		WHERE ` + `(? = '' OR l.site_id = ?)` + ` AND l.at >= ? AND l.action IN ('approve', 'reject')`
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*)`+responses, q.SiteID, q.SiteID, since).Scan(&n); err != nil {
		return st, storeErr(err, "Stats")
	}
	if n > 0 {
		var median int64
		if err := tx.QueryRowContext(ctx, `SELECT l.at - c.created_at`+responses+` ORDER BY 1 LIMIT 1 OFFSET ?`,
			q.SiteID, q.SiteID, since, n/2).Scan(&median); err != nil {
			return st, storeErr(err, "Stats")
		}
		st.MedianResponse = time.Duration(median) * time.Microsecond
	}
	rows, err := tx.QueryContext(ctx, `SELECT status, min(CAST(score * 10 AS INTEGER), 9), count(*) FROM comments
		WHERE `+site("site_id")+` AND decided_at >= ? AND score >= 0 AND status != 'pending' GROUP BY 1, 2`, q.SiteID, since)
	if err != nil {
		return st, storeErr(err, "Stats")
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var bucket, count int
		if err := rows.Scan(&status, &bucket, &count); err != nil {
			return st, storeErr(err, "Stats")
		}
		if bucket < 0 || bucket > 9 {
			continue
		}
		if comment.Status(status) == comment.StatusApproved {
			st.ApprovedScores[bucket] += count
		} else {
			st.RejectedScores[bucket] += count
		}
	}
	return st, storeErr(rows.Err(), "Stats")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Moderators lists every account by name.
func (s *Store) Moderators(ctx context.Context) ([]comment.Moderator, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+moderatorCols+` FROM moderators m ORDER BY m.name`)
	if err != nil {
		return nil, storeErr(err, "Moderator")
	}
	defer rows.Close()
	var out []comment.Moderator
	for rows.Next() {
		m, err := scanModerator(rows)
		if err != nil {
			return nil, storeErr(err, "Moderator")
		}
		out = append(out, m)
	}
	return out, storeErr(rows.Err(), "Moderator")
}

// SetModeratorDisabled disables or enables an account; disabling ends its
// sessions and deletes its tokens at once.
func (s *Store) SetModeratorDisabled(ctx context.Context, name string, disabled bool) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(err, "Moderator")
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE moderators SET disabled = ? WHERE name = ?`, boolInt(disabled), name)
	if err != nil {
		return storeErr(err, "Moderator")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return comment.Errorf(comment.CodeNotFound, "Moderator %q not found.", name)
	}
	if disabled {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE moderator_id = (SELECT id FROM moderators WHERE name = ?)`, name); err != nil {
			return storeErr(err, "Session")
		}
		// Enabling the account again must not revive its tokens.
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE moderator_id = (SELECT id FROM moderators WHERE name = ?)`, name); err != nil {
			return storeErr(err, "Token")
		}
	}
	return storeErr(tx.Commit(), "Moderator")
}
