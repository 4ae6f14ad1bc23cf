package postgres

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/comment"
)

// CountFlagged counts the flagged pending comments, from the trigger-kept
// counts.
func (s *Store) CountFlagged(ctx context.Context, siteID string) (int, error) {
	s.compactCounts(ctx)
	var n int
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM (
			SELECT site_id, status, flagged, n FROM comment_counts UNION ALL SELECT site_id, status, flagged, n FROM comment_count_deltas
		) c WHERE ($1 = '' OR site_id = $1) AND status = 'pending' AND flagged`, siteID).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "Count")
	}
	_, heldFlagged, err := s.awaitingCounts(ctx, siteID)
	return n - heldFlagged, err
}

// Commenter returns a commenter's history and standing on a site.
func (s *Store) Commenter(ctx context.Context, siteID string, emailHMAC []byte) (comment.Commenter, error) {
	out := comment.Commenter{SiteID: siteID, EmailHMAC: emailHMAC}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return out, storeErr(err, "Commenter")
	}
	defer tx.Rollback(context.Background())
	rows, err := tx.Query(ctx, `SELECT status, count(*), min(created_at) FROM comments
		WHERE site_id = $1 AND email_hmac = $2 GROUP BY status`, siteID, emailHMAC)
	if err != nil {
		return out, storeErr(err, "Commenter")
	}
	for rows.Next() {
		var status string
		var n int
		var first time.Time
		if err := rows.Scan(&status, &n, &first); err != nil {
			rows.Close()
			return out, storeErr(err, "Commenter")
		}
		switch comment.Status(status) {
		case comment.StatusApproved:
			out.Approved += n
		case comment.StatusRejected, comment.StatusSpam, comment.StatusRemoved:
			out.Rejected += n
		case comment.StatusPending:
			out.Pending += n
		}
		if first = first.UTC(); out.FirstSeen.IsZero() || first.Before(out.FirstSeen) {
			out.FirstSeen = first
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, storeErr(err, "Commenter")
	}
	var standing string
	var at time.Time
	var until *time.Time
	err = tx.QueryRow(ctx, `SELECT standing, standing_by, standing_at, standing_until, standing_reason FROM commenters WHERE site_id = $1 AND email_hmac = $2`,
		siteID, emailHMAC).Scan(&standing, &out.StandingBy, &at, &until, &out.StandingReason)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return out, storeErr(err, "Commenter")
	default:
		out.Standing, out.StandingAt = comment.Standing(standing), at.UTC()
		if until != nil {
			out.StandingUntil = until.UTC()
		}
	}
	err = tx.QueryRow(ctx, `SELECT method FROM commenter_verifications WHERE site_id = $1 AND email_hmac = $2`,
		siteID, emailHMAC).Scan(&out.VerifiedBy)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return out, storeErr(err, "Commenter")
	default:
		out.Verified = true
	}
	return out, nil
}

// bannedNote is the note on comments rejected because their author was banned.
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
	var rejected []int64
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return ch.CommentID }, ch.At, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM comments WHERE id = $1 AND site_id = $2)`, ch.CommentID, ch.SiteID).Scan(&exists); err != nil {
			return storeErr(err, "Comment")
		}
		if !exists {
			return comment.Errorf(comment.CodeNotFound, "Comment %d not found on site %q.", ch.CommentID, ch.SiteID)
		}
		var err error
		if ch.Standing == comment.StandingNone {
			_, err = tx.Exec(ctx, `DELETE FROM commenters WHERE site_id = $1 AND email_hmac = $2`, ch.SiteID, ch.EmailHMAC)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO commenters (site_id, email_hmac, standing, standing_by, standing_at, standing_until, standing_reason)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (site_id, email_hmac) DO UPDATE SET standing = excluded.standing, standing_by = excluded.standing_by,
				standing_at = excluded.standing_at, standing_until = excluded.standing_until, standing_reason = excluded.standing_reason`,
				ch.SiteID, ch.EmailHMAC, string(ch.Standing), ch.Moderator, ts(ch.At), nullTS(ch.Until), ch.Reason)
		}
		if err != nil {
			return storeErr(err, "Commenter")
		}
		if ch.Standing == comment.StandingBanned && len(ch.IPHash) > 0 && ch.AddressUntil.After(ch.At) {
			if _, err := tx.Exec(ctx, `INSERT INTO address_bans (site_id, ip_hash, until, reason) VALUES ($1, $2, $3, $4)
				ON CONFLICT (site_id, ip_hash) DO UPDATE SET until = excluded.until, reason = excluded.reason`,
				ch.SiteID, ch.IPHash, ts(ch.AddressUntil), ch.Reason); err != nil {
				return storeErr(err, "Commenter")
			}
		}
		if ch.Standing == comment.StandingNone {
			if _, err := tx.Exec(ctx, `DELETE FROM address_bans WHERE site_id = $1 AND ip_hash IN
				(SELECT ip_hash FROM comments WHERE site_id = $1 AND email_hmac = $2 AND ip_hash IS NOT NULL)`, ch.SiteID, ch.EmailHMAC); err != nil {
				return storeErr(err, "Commenter")
			}
		}
		if err := audit(ctx, tx, ch.At, ch.Moderator, action, ch.CommentID, ch.SiteID, "", ch.Note); err != nil {
			return err
		}
		if ch.Standing != comment.StandingBanned {
			return nil
		}
		rejected, err = rejectPending(ctx, tx, ch.SiteID, ch.EmailHMAC, bannedNote, ch.Moderator, ch.At)
		return err
	}))
	if err != nil {
		return nil, storeErr(err, "Commenter")
	}
	return rejected, nil
}

// RejectPending rejects every pending comment of a commenter on a site.
func (s *Store) RejectPending(ctx context.Context, siteID string, emailHMAC []byte, note, moderator string, at time.Time) ([]int64, error) {
	var rejected []int64
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return 0 }, at, func(tx pgx.Tx) error {
		var err error
		rejected, err = rejectPending(ctx, tx, siteID, emailHMAC, note, moderator, at)
		return err
	}))
	return rejected, storeErr(err, "Comment")
}

func rejectPending(ctx context.Context, tx pgx.Tx, siteID string, emailHMAC []byte, note, moderator string, at time.Time) ([]int64, error) {
	rows, err := tx.Query(ctx, `UPDATE comments SET status = 'rejected', reason = 'other', note = $1, decided_at = $2, decided_by = $3
		WHERE site_id = $4 AND email_hmac = $5 AND status = 'pending' RETURNING id`,
		note, ts(at), moderator, siteID, emailHMAC)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	rejected, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	sort.Slice(rejected, func(i, j int) bool { return rejected[i] < rejected[j] })
	for _, id := range rejected {
		if err := audit(ctx, tx, at, moderator, comment.ActionReject, id, siteID, comment.ReasonOther, note); err != nil {
			return nil, err
		}
	}
	return rejected, nil
}

// nullTS is a timestamp, or NULL for the zero time.
func nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ts(t)
}

func audit(ctx context.Context, tx pgx.Tx, at time.Time, moderator string, action comment.Action, commentID int64, siteID string, reason comment.Reason, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, reason, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		ts(at), moderator, string(action), nullID(commentID), siteID, string(reason), note)
	return storeErr(err, "Audit")
}

// Stats aggregates moderation activity since q.Since, by UTC day.
func (s *Store) Stats(ctx context.Context, q comment.StatsQuery) (comment.Stats, error) {
	var st comment.Stats
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return st, storeErr(err, "Stats")
	}
	defer tx.Rollback(context.Background())
	since := ts(q.Since)
	days := map[time.Time]*comment.DayStats{}
	day := func(d time.Time) *comment.DayStats {
		d = d.UTC()
		if days[d] == nil {
			days[d] = &comment.DayStats{Day: d, Rejected: map[comment.Reason]int{}}
		}
		return days[d]
	}
	// date_trunc on timestamptz AT TIME ZONE 'UTC' gives the UTC midnight as
	// a timestamp; AT TIME ZONE 'UTC' again makes it a timestamptz.
	utcDayOf := func(col string) string { return `date_trunc('day', ` + col + ` AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'` }
	type agg struct {
		query string
		add   func(d *comment.DayStats, key string, n int)
	}
	for _, a := range []agg{
		{`SELECT ` + utcDayOf("created_at") + `, '', count(*) FROM comments WHERE ($1 = '' OR site_id = $1) AND created_at >= $2 GROUP BY 1`,
			func(d *comment.DayStats, _ string, n int) { d.Submitted += n }},
		{`SELECT ` + utcDayOf("decided_at") + `, '', count(*) FROM comments WHERE ($1 = '' OR site_id = $1) AND decided_at >= $2 GROUP BY 1`,
			func(d *comment.DayStats, _ string, n int) { d.Decided += n }},
		{`SELECT ` + utcDayOf("at") + `, action || ':' || reason, count(*) FROM audit_log WHERE ($1 = '' OR site_id = $1) AND at >= $2
			AND action IN ('approve', 'reject') GROUP BY 1, 2`,
			func(d *comment.DayStats, key string, n int) {
				if key == "approve:" {
					d.Approved += n
				} else if len(key) > 7 {
					d.Rejected[comment.Reason(key[7:])] += n
				}
			}},
	} {
		rows, err := tx.Query(ctx, a.query, q.SiteID, since)
		if err != nil {
			return st, storeErr(err, "Stats")
		}
		for rows.Next() {
			var d time.Time
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

	if err := tx.QueryRow(ctx, `SELECT count(*) FROM comments WHERE ($1 = '' OR site_id = $1) AND status = 'pending'`, q.SiteID).Scan(&st.Pending); err != nil {
		return st, storeErr(err, "Stats")
	}
	// The median response time: the middle of the moderators' decisions
	// (the upper middle for an even count, as SQLite's store takes it).
	const responses = ` FROM audit_log l JOIN comments c ON c.id = l.comment_id
		WHERE ($1 = '' OR l.site_id = $1) AND l.at >= $2 AND l.action IN ('approve', 'reject')`
	var n int64
	if err := tx.QueryRow(ctx, `SELECT count(*)`+responses, q.SiteID, since).Scan(&n); err != nil {
		return st, storeErr(err, "Stats")
	}
	if n > 0 {
		var micros int64
		if err := tx.QueryRow(ctx, `SELECT (EXTRACT(EPOCH FROM (l.at - c.created_at)) * 1000000)::bigint AS d`+responses+` ORDER BY 1 LIMIT 1 OFFSET $3`,
			q.SiteID, since, n/2).Scan(&micros); err != nil {
			return st, storeErr(err, "Stats")
		}
		st.MedianResponse = time.Duration(micros) * time.Microsecond
	}
	rows, err := tx.Query(ctx, `SELECT status, least(floor(score * 10)::int, 9), count(*) FROM comments
		WHERE ($1 = '' OR site_id = $1) AND decided_at >= $2 AND score >= 0 AND status != 'pending' GROUP BY 1, 2`, q.SiteID, since)
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

// Moderators lists every account by name.
func (s *Store) Moderators(ctx context.Context) ([]comment.Moderator, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+moderatorCols+` FROM moderators m ORDER BY m.name`)
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
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE moderators SET disabled = $1 WHERE name = $2 RETURNING id`, disabled, name).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return comment.Errorf(comment.CodeNotFound, "Moderator %q not found.", name)
		}
		if err != nil {
			return storeErr(err, "Moderator")
		}
		if disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE moderator_id = $1`, id); err != nil {
				return storeErr(err, "Session")
			}
			// Enabling the account again must not revive its tokens.
			if _, err := tx.Exec(ctx, `DELETE FROM tokens WHERE moderator_id = $1`, id); err != nil {
				return storeErr(err, "Token")
			}
		}
		return nil
	})
	return storeErr(err, "Moderator")
}
