package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/comment"
)

// CreateSite adds a site.
func (s *Store) CreateSite(ctx context.Context, site comment.Site) error {
	lists, err := siteLists(site)
	if err != nil {
		return storeErr(err, "Site")
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO sites (id, origins, flag_threshold, auto_reject_threshold, mode, banned_words, suspect_words, link_limit,
		edit_window_seconds, report_hold, address_ban_days, tracking_params, public_figures, created_at, settings)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, site.ID, lists[0], site.FlagThreshold, site.AutoRejectThreshold,
		string(site.Mode), lists[1], lists[2], site.LinkLimit, int64(site.EditWindow/time.Second), site.ReportHold, site.AddressBanDays, lists[3],
		site.PublicFigures, ts(site.CreatedAt), lists[4])
	return storeErr(err, "Site")
}

// siteLists encodes a site's origins, banned and suspect words, tracking
// parameters and settings as JSON.
func siteLists(site comment.Site) ([5]string, error) {
	var out [5]string
	for i, l := range [][]string{site.Origins, site.BannedWords, site.SuspectWords, site.TrackingParams} {
		b, err := json.Marshal(nonNil(l))
		if err != nil {
			return out, err
		}
		out[i] = string(b)
	}
	settings, err := comment.EncodeSettings(site)
	out[4] = settings
	return out, err
}

// UpdateSite replaces a site's settings.
func (s *Store) UpdateSite(ctx context.Context, site comment.Site) error {
	lists, err := siteLists(site)
	if err != nil {
		return storeErr(err, "Site")
	}
	tag, err := s.pool.Exec(ctx, `UPDATE sites SET origins = $1, flag_threshold = $2, auto_reject_threshold = $3,
		mode = $4, banned_words = $5, suspect_words = $6, link_limit = $7, edit_window_seconds = $8, report_hold = $9,
		address_ban_days = $10, tracking_params = $11, public_figures = $12, settings = $13 WHERE id = $14`,
		lists[0], site.FlagThreshold, site.AutoRejectThreshold, string(site.Mode), lists[1], lists[2], site.LinkLimit,
		int64(site.EditWindow/time.Second), site.ReportHold, site.AddressBanDays, lists[3], site.PublicFigures, lists[4], site.ID)
	if err != nil {
		return storeErr(err, "Site")
	}
	if tag.RowsAffected() == 0 {
		return comment.Errorf(comment.CodeNotFound, "Site %q not found.", site.ID)
	}
	return nil
}

const siteCols = `id, origins, flag_threshold, auto_reject_threshold, mode, banned_words, suspect_words, link_limit, created_at,
	edit_window_seconds, report_hold, address_ban_days, tracking_params, public_figures, settings`

func scanSite(row pgx.Row) (comment.Site, error) {
	var site comment.Site
	var origins, banned, suspect, tracking []byte
	var mode, settings string
	var window int64
	if err := row.Scan(&site.ID, &origins, &site.FlagThreshold, &site.AutoRejectThreshold, &mode, &banned, &suspect, &site.LinkLimit, &site.CreatedAt,
		&window, &site.ReportHold, &site.AddressBanDays, &tracking, &site.PublicFigures, &settings); err != nil {
		return site, err
	}
	if err := comment.DecodeSettings(settings, &site); err != nil {
		return site, err
	}
	site.EditWindow = time.Duration(window) * time.Second
	site.CreatedAt = utc(site.CreatedAt)
	site.Mode = comment.Mode(mode)
	if err := json.Unmarshal(origins, &site.Origins); err != nil {
		return site, err
	}
	for _, l := range []struct {
		raw []byte
		dst *[]string
	}{{banned, &site.BannedWords}, {suspect, &site.SuspectWords}, {tracking, &site.TrackingParams}} {
		if len(l.raw) > 0 && string(l.raw) != "[]" {
			if err := json.Unmarshal(l.raw, l.dst); err != nil {
				return site, err
			}
		}
	}
	return site, nil
}

// Site returns one site.
func (s *Store) Site(ctx context.Context, id string) (comment.Site, error) {
	site, err := scanSite(s.pool.QueryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE id = $1`, id))
	return site, storeErr(err, "Site")
}

// Sites lists every site.
func (s *Store) Sites(ctx context.Context) ([]comment.Site, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+siteCols+` FROM sites ORDER BY id`)
	if err != nil {
		return nil, storeErr(err, "Site")
	}
	defer rows.Close()
	var sites []comment.Site
	for rows.Next() {
		site, err := scanSite(rows)
		if err != nil {
			return nil, storeErr(err, "Site")
		}
		sites = append(sites, site)
	}
	return sites, storeErr(rows.Err(), "Site")
}

const articleCols = `id, site_id, url, title, closed, approved_count, created_at, title_verified`

func scanArticle(row pgx.Row) (comment.Article, error) {
	var a comment.Article
	err := row.Scan(&a.ID, &a.SiteID, &a.URL, &a.Title, &a.Closed, &a.ApprovedCount, &a.CreatedAt, &a.TitleVerified)
	a.CreatedAt = utc(a.CreatedAt)
	return a, err
}

// Article returns the article at url on a site.
func (s *Store) Article(ctx context.Context, siteID, url string) (comment.Article, error) {
	a, err := scanArticle(s.pool.QueryRow(ctx, `SELECT `+articleCols+` FROM articles WHERE site_id = $1 AND url = $2`, siteID, url))
	return a, storeErr(err, "Article")
}

// SetArticleClosed opens or closes an article.
func (s *Store) SetArticleClosed(ctx context.Context, siteID, url string, closed bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE articles SET closed = $1 WHERE site_id = $2 AND url = $3`, closed, siteID, url)
	if err != nil {
		return storeErr(err, "Article")
	}
	if tag.RowsAffected() == 0 {
		return comment.Errorf(comment.CodeNotFound, "Article not found.")
	}
	return nil
}

// CreateComment stores a new comment and, for the first comment of an
// article, the article itself, in one transaction: when it returns nil the
// commit is durable (synchronous_commit as the server is configured; the
// default, on, waits for the WAL flush).
func (s *Store) CreateComment(ctx context.Context, c *comment.Comment) error {
	c.Format = c.Format.OrMarkdown()
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return c.ID }, c.CreatedAt, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sites WHERE id = $1)`, c.SiteID).Scan(&exists); err != nil {
			return storeErr(err, "Site")
		}
		if !exists {
			return comment.Errorf(comment.CodeNotFound, "Site %q not found.", c.SiteID)
		}
		// Two first comments of one article may race: the loser's insert
		// does nothing and its second read finds the winner's row.
		articleSQL := `SELECT ` + articleCols + ` FROM articles WHERE site_id = $1 AND url = $2`
		a, err := scanArticle(tx.QueryRow(ctx, articleSQL, c.SiteID, c.ArticleURL))
		if errors.Is(err, pgx.ErrNoRows) {
			if _, err := tx.Exec(ctx, `INSERT INTO articles (site_id, url, title, created_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (site_id, url) DO NOTHING`, c.SiteID, c.ArticleURL, c.ArticleTitle, ts(c.CreatedAt)); err != nil {
				return storeErr(err, "Article")
			}
			a, err = scanArticle(tx.QueryRow(ctx, articleSQL, c.SiteID, c.ArticleURL))
		}
		switch {
		case err != nil:
			return storeErr(err, "Article")
		case a.Closed:
			return comment.Invalid(comment.FieldError{Field: "article_url", Message: "is closed to new comments"})
		}
		c.ArticleTitle = a.Title
		c.ArticleID = a.ID
		c.RootID = 0
		if c.ParentID != 0 {
			var parentArticle int64
			var parentRoot *int64
			var status string
			err := tx.QueryRow(ctx, `SELECT article_id, root_id, status FROM comments WHERE id = $1`, c.ParentID).
				Scan(&parentArticle, &parentRoot, &status)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && (parentArticle != a.ID || status != string(comment.StatusApproved))) {
				return comment.Invalid(comment.FieldError{Field: "parent_id", Message: "must be an approved comment of the same article"})
			}
			if err != nil {
				return storeErr(err, "Comment")
			}
			c.RootID = c.ParentID
			if parentRoot != nil {
				c.RootID = *parentRoot
			}
		}
		spans, err := json.Marshal(nonNil(c.Spans))
		if err != nil {
			return storeErr(err, "Comment")
		}
		holds, err := json.Marshal(nonNil(c.Holds))
		if err != nil {
			return storeErr(err, "Comment")
		}
		err = tx.QueryRow(ctx, `INSERT INTO comments (site_id, article_id, parent_id, root_id, author_name, author_website,
			email_cipher, email_hmac, ip_hash, body, html, status, edit_token_hash, score, flagged, spans, reason, note, created_at, decided_at, decided_by, format, holds)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id`,
			c.SiteID, a.ID, nullID(c.ParentID), nullID(c.RootID), c.AuthorName, c.AuthorWebsite,
			nonNil(c.EmailCipher), nonNil(c.EmailHMAC), nullBytes(c.IPHash), c.Body, c.HTML, string(c.Status), nonNil(c.EditTokenHash),
			c.Score, c.Flagged, string(spans), string(c.Reason), c.Note, ts(c.CreatedAt), nullTime(c.DecidedAt), c.DecidedBy, string(c.Format), string(holds)).Scan(&c.ID)
		if err != nil {
			return storeErr(err, "Comment")
		}
		if c.SSOSub != "" || c.AwaitingVerification || c.StaffBy != "" {
			if _, err := tx.Exec(ctx, `UPDATE comments SET sso_sub = $1, awaiting_verification = $2, staff_by = $3 WHERE id = $4`,
				c.SSOSub, c.AwaitingVerification, c.StaffBy, c.ID); err != nil {
				return storeErr(err, "Comment")
			}
		}
		if c.Status != comment.StatusPending && c.DecidedBy != "" {
			// A rule decided at submission (the honeypot, the classifier's
			// auto-reject): that is a decision like any other, and is audited.
			action := comment.ActionReject
			if c.Status == comment.StatusApproved {
				action = comment.ActionApprove
			}
			if _, err := tx.Exec(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, reason, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				ts(c.DecidedAt), c.DecidedBy, string(action), c.ID, c.SiteID, string(c.Reason), c.Note); err != nil {
				return storeErr(err, "Audit")
			}
		}
		if c.Status == comment.StatusApproved {
			if _, err := tx.Exec(ctx, `UPDATE articles SET approved_count = approved_count + 1 WHERE id = $1`, a.ID); err != nil {
				return storeErr(err, "Article")
			}
		}
		return insertNotify(ctx, tx, c)
	}))
	return storeErr(err, "Comment")
}

const commentCols = `c.id, c.site_id, c.article_id, a.url, a.title, a.title_verified, c.parent_id, c.root_id, c.author_name, c.author_website,
	c.email_cipher, c.email_hmac, c.ip_hash, c.body, c.html, c.status, c.edit_token_hash, c.score, c.flagged, c.spans,
	c.reason, c.note, c.created_at, c.decided_at, c.decided_by, c.revision_of, c.edited_at, c.format,
	c.sso_sub, c.awaiting_verification, c.holds, c.staff_by`

func scanComment(row pgx.Row) (comment.Comment, error) {
	var c comment.Comment
	var parent, root, revisionOf *int64
	var decided, edited *time.Time
	var status, reason string
	var spans, holds []byte
	err := row.Scan(&c.ID, &c.SiteID, &c.ArticleID, &c.ArticleURL, &c.ArticleTitle, &c.ArticleTitleVerified, &parent, &root, &c.AuthorName, &c.AuthorWebsite,
		&c.EmailCipher, &c.EmailHMAC, &c.IPHash, &c.Body, &c.HTML, &status, &c.EditTokenHash, &c.Score, &c.Flagged, &spans,
		&reason, &c.Note, &c.CreatedAt, &decided, &c.DecidedBy, &revisionOf, &edited, &c.Format,
		&c.SSOSub, &c.AwaitingVerification, &holds, &c.StaffBy)
	if err != nil {
		return c, err
	}
	if parent != nil {
		c.ParentID = *parent
	}
	if root != nil {
		c.RootID = *root
	}
	if revisionOf != nil {
		c.RevisionOf = *revisionOf
	}
	if edited != nil {
		c.EditedAt = utc(*edited)
	}
	c.Status, c.Reason = comment.Status(status), comment.Reason(reason)
	c.CreatedAt = utc(c.CreatedAt)
	if decided != nil {
		c.DecidedAt = utc(*decided)
	}
	if len(spans) > 0 && string(spans) != "[]" {
		if err := json.Unmarshal(spans, &c.Spans); err != nil {
			return c, err
		}
	}
	if len(holds) > 0 && string(holds) != "[]" {
		if err := json.Unmarshal(holds, &c.Holds); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Comment returns one comment.
func (s *Store) Comment(ctx context.Context, id int64) (comment.Comment, error) {
	c, err := scanComment(s.pool.QueryRow(ctx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.id = $1`, id))
	return c, storeErr(err, "Comment")
}

func threadRootsSQL(sort comment.Sort, after bool) string {
	op, dir := ">", "ASC"
	if sort == comment.SortNewest {
		op, dir = "<", "DESC"
	}
	q := `SELECT ` + commentCols + ` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.article_id = $1 AND c.status IN ('approved', 'removed', 'deleted') AND c.root_id IS NULL AND c.revision_of IS NULL`
	limit := "$2"
	if after {
		q += ` AND (c.created_at, c.id) ` + op + ` ($2, $3)`
		limit = "$4"
	}
	return q + ` ORDER BY c.created_at ` + dir + `, c.id ` + dir + ` LIMIT ` + limit
}

const threadRepliesSQL = `SELECT ` + commentCols + ` FROM comments c JOIN articles a ON a.id = c.article_id
	WHERE c.article_id = $1 AND c.status IN ('approved', 'removed', 'deleted') AND c.revision_of IS NULL AND c.root_id = ANY($2)
	ORDER BY c.created_at, c.id`

// Thread returns a page of an article's approved comments, read in one
// repeatable-read snapshot so that roots and replies agree.
func (s *Store) Thread(ctx context.Context, q comment.ThreadQuery) (comment.Thread, error) {
	var t comment.Thread
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Sort == "" {
		q.Sort = comment.SortOldest
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return t, storeErr(err, "Thread")
	}
	defer tx.Rollback(context.Background())
	t.Article, err = scanArticle(tx.QueryRow(ctx, `SELECT `+articleCols+` FROM articles WHERE site_id = $1 AND url = $2`, q.SiteID, q.URL))
	if errors.Is(err, pgx.ErrNoRows) {
		return comment.Thread{Article: comment.Article{SiteID: q.SiteID, URL: q.URL}}, nil
	}
	if err != nil {
		return t, storeErr(err, "Article")
	}
	t.Exists = true
	args := []any{t.Article.ID}
	if !q.After.IsZero() {
		args = append(args, ts(q.After.CreatedAt), q.After.ID)
	}
	args = append(args, q.Limit+1)
	if q.Sort == comment.SortFeatured {
		t.Roots, t.Next, err = featuredRoots(ctx, tx, t.Article.ID, q.After, q.Limit)
	} else {
		t.Roots, err = queryComments(ctx, tx, threadRootsSQL(q.Sort, !q.After.IsZero()), args...)
	}
	if err != nil {
		return t, err
	}
	if len(t.Roots) > q.Limit {
		t.Roots = t.Roots[:q.Limit]
		last := t.Roots[len(t.Roots)-1]
		t.Next = comment.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if len(t.Roots) == 0 {
		return t, nil
	}
	roots := make([]int64, len(t.Roots))
	for i, r := range t.Roots {
		roots[i] = r.ID
	}
	t.Replies, err = queryComments(ctx, tx, threadRepliesSQL, t.Article.ID, roots)
	return t, err
}

func queryComments(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, query string, args ...any) ([]comment.Comment, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer rows.Close()
	var out []comment.Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, storeErr(err, "Comment")
		}
		out = append(out, c)
	}
	return out, storeErr(rows.Err(), "Comment")
}

func queueSQL(bySite, after, search, flaggedOnly, byRule bool) string {
	q := `SELECT ` + commentCols + ` FROM comments c JOIN articles a ON a.id = c.article_id WHERE `
	n := 1
	arg := func() string { s := "$" + strconv.Itoa(n); n++; return s }
	if bySite {
		q += `c.site_id = ` + arg() + ` AND `
	}
	q += `c.status = ` + arg() + ` AND (c.status <> 'pending' OR NOT c.awaiting_verification)`
	if flaggedOnly {
		q += ` AND c.flagged`
	}
	if search {
		// strpos, not LIKE: the needle is literal, % and _ included.
		x := arg()
		q += ` AND (strpos(lower(c.body), ` + x + `) > 0 OR strpos(lower(c.author_name), ` + x + `) > 0 OR strpos(lower(c.author_website), ` + x + `) > 0
			OR strpos(lower(a.title), ` + x + `) > 0 OR strpos(lower(a.url), ` + x + `) > 0)`
	}
	if byRule {
		q += ` AND c.holds @> jsonb_build_array(jsonb_build_object('rule', ` + arg() + `::text))`
	}
	if after {
		f := arg()
		q += ` AND (c.flagged < ` + f + ` OR (c.flagged = ` + f + ` AND (c.created_at, c.id) > (` + arg() + `, ` + arg() + `)))`
	}
	return q + ` ORDER BY c.flagged DESC, c.created_at, c.id LIMIT ` + arg()
}

// Queue returns a page of comments in one status, flagged first, then oldest.
func (s *Store) Queue(ctx context.Context, q comment.QueueQuery) ([]comment.Comment, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	var args []any
	if q.SiteID != "" {
		args = append(args, q.SiteID)
	}
	args = append(args, string(q.Status))
	if q.Search != "" {
		// Lower-cased like SQLite's lower(): ASCII only, so both stores
		// match the same comments.
		args = append(args, asciiLower(q.Search))
	}
	if q.Rule != "" {
		args = append(args, q.Rule)
	}
	if !q.After.IsZero() {
		args = append(args, q.After.Flagged, ts(q.After.CreatedAt), q.After.ID)
	}
	args = append(args, q.Limit)
	return queryComments(ctx, s.pool, queueSQL(q.SiteID != "", !q.After.IsZero(), q.Search != "", q.FlaggedOnly, q.Rule != ""), args...)
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// CountByStatus counts comments per status, from the trigger-kept counts.
func (s *Store) CountByStatus(ctx context.Context, siteID string) (map[comment.Status]int, error) {
	s.compactCounts(ctx)
	rows, err := s.pool.Query(ctx, `SELECT status, sum(n) FROM (
			SELECT site_id, status, n FROM comment_counts UNION ALL SELECT site_id, status, n FROM comment_count_deltas
		) c WHERE $1 = '' OR site_id = $1 GROUP BY status`, siteID)
	if err != nil {
		return nil, storeErr(err, "Count")
	}
	defer rows.Close()
	counts := map[comment.Status]int{comment.StatusPending: 0, comment.StatusApproved: 0, comment.StatusRejected: 0, comment.StatusSpam: 0}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, storeErr(err, "Count")
		}
		counts[comment.Status(st)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "Count")
	}
	held, _, err := s.awaitingCounts(ctx, siteID)
	counts[comment.StatusPending] -= held
	return counts, err
}

// compactCounts folds the count deltas into comment_counts, at most once a
// second per instance. One statement deletes the deltas and adds them up,
// so a compaction racing another (on another instance) skips the rows the
// other took; the reads in between sum both tables and see the same total.
func (s *Store) compactCounts(ctx context.Context) {
	s.countsMu.Lock()
	due := time.Since(s.countsCompacted) > time.Second
	if due {
		s.countsCompacted = time.Now()
	}
	s.countsMu.Unlock()
	if !due {
		return
	}
	s.pool.Exec(ctx, `WITH d AS (DELETE FROM comment_count_deltas RETURNING site_id, status, flagged, n)
		INSERT INTO comment_counts AS c (site_id, status, flagged, n)
			SELECT site_id, status, flagged, sum(n) FROM d GROUP BY site_id, status, flagged
		ON CONFLICT (site_id, status, flagged) DO UPDATE SET n = c.n + excluded.n`)
}

// Decide applies a decision and records it in the audit log atomically:
// approve and reject on pending and spam comments, remove on approved ones,
// restore on removed ones, hold (back to the queue) on approved ones. A
// decision on a revision applies to the comment it revises. SELECT … FOR
// UPDATE takes the row lock: of two moderators deciding at once, the second
// waits for the first to commit, then finds the comment decided and gets
// CodeConflict.
func (s *Store) Decide(ctx context.Context, d comment.Decision) (comment.Comment, error) {
	tr, ok := comment.Transitions[d.Action]
	if !ok {
		return comment.Comment{}, comment.Errorf(comment.CodeInvalid, "Unknown action %q.", d.Action)
	}
	status := tr.To
	switch {
	case d.Action == comment.ActionReject && d.Reason == comment.ReasonSpam:
		status = comment.StatusSpam
	case d.Action != comment.ActionReject && d.Action != comment.ActionRemove:
		d.Reason = ""
	}
	var c comment.Comment
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return c.ID }, d.At, func(tx pgx.Tx) error {
		cur, err := scanComment(tx.QueryRow(ctx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id
			WHERE c.id = $1 FOR UPDATE OF c`, d.CommentID))
		if err != nil {
			return storeErr(err, "Comment")
		}
		if !slices.Contains(tr.From, cur.Status) {
			if d.Action == comment.ActionApprove || d.Action == comment.ActionReject {
				return comment.Errorf(comment.CodeConflict, "Comment %d was already decided: it is %s.", d.CommentID, cur.Status)
			}
			return comment.Errorf(comment.CodeConflict, "Comment %d is %s; %s applies only to %s comments.", d.CommentID, cur.Status, d.Action, comment.StatusList(tr.From))
		}
		if cur.RevisionOf != 0 {
			c, err = decideRevision(ctx, tx, cur, d, status)
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE comments SET status = $1, reason = $2, note = $3, decided_at = $4, decided_by = $5 WHERE id = $6`,
			string(status), string(d.Reason), d.Note, ts(d.At), d.Moderator, d.CommentID); err != nil {
			return storeErr(err, "Comment")
		}
		if delta := comment.ApprovedDelta(cur.Status, status); delta != 0 {
			if _, err := tx.Exec(ctx, `UPDATE articles SET approved_count = approved_count + $1 WHERE id = $2`, delta, cur.ArticleID); err != nil {
				return storeErr(err, "Article")
			}
		}
		if err := audit(ctx, tx, d.At, d.Moderator, d.Action, d.CommentID, cur.SiteID, d.Reason, d.Note); err != nil {
			return err
		}
		c, err = commentTx(ctx, tx, d.CommentID)
		return err
	}))
	return c, storeErr(err, "Comment")
}

// decideRevision approves (publishing its text on the comment it revises)
// or rejects a pending revision. Approved, the revision row is kept as
// deleted, having been merged.
func decideRevision(ctx context.Context, tx pgx.Tx, rev comment.Comment, d comment.Decision, status comment.Status) (comment.Comment, error) {
	if d.Action != comment.ActionApprove && d.Action != comment.ActionReject {
		return comment.Comment{}, comment.Errorf(comment.CodeConflict, "Comment %d is an edit waiting for review: approve or reject it.", rev.ID)
	}
	final := status
	if status == comment.StatusApproved {
		spans, err := json.Marshal(nonNil(rev.Spans))
		if err != nil {
			return comment.Comment{}, storeErr(err, "Comment")
		}
		tag, err := tx.Exec(ctx, `UPDATE comments SET body = $1, html = $2, score = $3, flagged = $4, spans = $5, edited_at = $6, format = 'markdown'
			WHERE id = $7 AND status = 'approved'`, rev.Body, rev.HTML, rev.Score, rev.Flagged, string(spans), ts(rev.CreatedAt), rev.RevisionOf)
		if err != nil {
			return comment.Comment{}, storeErr(err, "Comment")
		}
		if tag.RowsAffected() == 0 {
			return comment.Comment{}, comment.Errorf(comment.CodeConflict, "Comment %d is no longer published; its edit cannot be approved.", rev.RevisionOf)
		}
		final = comment.StatusDeleted
	}
	if _, err := tx.Exec(ctx, `UPDATE comments SET status = $1, reason = $2, note = $3, decided_at = $4, decided_by = $5 WHERE id = $6`,
		string(final), string(d.Reason), d.Note, ts(d.At), d.Moderator, rev.ID); err != nil {
		return comment.Comment{}, storeErr(err, "Comment")
	}
	if err := audit(ctx, tx, d.At, d.Moderator, d.Action, rev.ID, rev.SiteID, d.Reason, d.Note); err != nil {
		return comment.Comment{}, err
	}
	rev.Status, rev.Reason, rev.Note, rev.DecidedAt, rev.DecidedBy = status, d.Reason, d.Note, d.At, d.Moderator
	return rev, nil
}

func commentTx(ctx context.Context, tx pgx.Tx, id int64) (comment.Comment, error) {
	c, err := scanComment(tx.QueryRow(ctx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.id = $1`, id))
	return c, storeErr(err, "Comment")
}

// Audit reads the audit log, newest first.
func (s *Store) Audit(ctx context.Context, f comment.AuditFilter) ([]comment.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT id, at, moderator, action, comment_id, site_id, reason, note, target FROM audit_log WHERE true`
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.SiteID != "" {
		q += ` AND site_id = ` + arg(f.SiteID)
	}
	if f.Moderator != "" {
		q += ` AND moderator = ` + arg(f.Moderator)
	}
	if f.Action != "" {
		q += ` AND action = ` + arg(string(f.Action))
	}
	if f.CommentID != 0 {
		q += ` AND comment_id = ` + arg(f.CommentID)
	}
	if f.BeforeID != 0 {
		q += ` AND id < ` + arg(f.BeforeID)
	}
	q += ` ORDER BY id DESC LIMIT ` + arg(f.Limit)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, storeErr(err, "Audit")
	}
	defer rows.Close()
	var out []comment.AuditEntry
	for rows.Next() {
		var e comment.AuditEntry
		var action, reason string
		var cid *int64
		if err := rows.Scan(&e.ID, &e.At, &e.Moderator, &action, &cid, &e.SiteID, &reason, &e.Note, &e.Target); err != nil {
			return nil, storeErr(err, "Audit")
		}
		if cid != nil {
			e.CommentID = *cid
		}
		e.At, e.Action, e.Reason = utc(e.At), comment.Action(action), comment.Reason(reason)
		out = append(out, e)
	}
	return out, storeErr(rows.Err(), "Audit")
}

// ForgetIPs drops IP hashes older than before.
func (s *Store) ForgetIPs(ctx context.Context, before, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE comments SET ip_hash = NULL WHERE ip_hash IS NOT NULL AND created_at < $1`, ts(before))
	if err != nil {
		return 0, storeErr(err, "Comment")
	}
	bans, err := s.pool.Exec(ctx, `DELETE FROM address_bans WHERE until <= $1`, ts(now))
	if err != nil {
		return tag.RowsAffected(), storeErr(err, "Address ban")
	}
	return tag.RowsAffected() + bans.RowsAffected(), nil
}
