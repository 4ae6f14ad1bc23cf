package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

// CreateSite adds a site.
func (s *Store) CreateSite(ctx context.Context, site comment.Site) error {
	lists, err := siteLists(site)
	if err != nil {
		return storeErr(err, "Site")
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO sites (id, origins, flag_threshold, auto_reject_threshold, mode, banned_words, suspect_words, link_limit,
		edit_window_seconds, report_hold, address_ban_days, tracking_params, public_figures, created_at, settings)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, site.ID, lists[0], site.FlagThreshold, site.AutoRejectThreshold,
		string(site.Mode), lists[1], lists[2], site.LinkLimit, int64(site.EditWindow/time.Second), site.ReportHold, site.AddressBanDays, lists[3],
		site.PublicFigures, micro(site.CreatedAt), lists[4])
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
	res, err := s.w.ExecContext(ctx, `UPDATE sites SET origins = ?, flag_threshold = ?, auto_reject_threshold = ?,
		mode = ?, banned_words = ?, suspect_words = ?, link_limit = ?, edit_window_seconds = ?, report_hold = ?, address_ban_days = ?,
		tracking_params = ?, public_figures = ?, settings = ? WHERE id = ?`,
		lists[0], site.FlagThreshold, site.AutoRejectThreshold, string(site.Mode), lists[1], lists[2], site.LinkLimit,
		int64(site.EditWindow/time.Second), site.ReportHold, site.AddressBanDays, lists[3], site.PublicFigures, lists[4], site.ID)
	if err != nil {
		return storeErr(err, "Site")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return comment.Errorf(comment.CodeNotFound, "Site %q not found.", site.ID)
	}
	return nil
}

const siteCols = `id, origins, flag_threshold, auto_reject_threshold, mode, banned_words, suspect_words, link_limit, created_at,
	edit_window_seconds, report_hold, address_ban_days, tracking_params, public_figures, settings`

func scanSite(row interface{ Scan(...any) error }) (comment.Site, error) {
	var site comment.Site
	var origins, mode, banned, suspect, tracking, settings string
	var created, window int64
	if err := row.Scan(&site.ID, &origins, &site.FlagThreshold, &site.AutoRejectThreshold, &mode, &banned, &suspect, &site.LinkLimit, &created,
		&window, &site.ReportHold, &site.AddressBanDays, &tracking, &site.PublicFigures, &settings); err != nil {
		return site, err
	}
	if err := comment.DecodeSettings(settings, &site); err != nil {
		return site, err
	}
	site.EditWindow = time.Duration(window) * time.Second
	site.CreatedAt = fromMicro(created)
	site.Mode = comment.Mode(mode)
	if err := json.Unmarshal([]byte(origins), &site.Origins); err != nil {
		return site, err
	}
	for _, l := range []struct {
		raw string
		dst *[]string
	}{{banned, &site.BannedWords}, {suspect, &site.SuspectWords}, {tracking, &site.TrackingParams}} {
		if l.raw != "" && l.raw != "[]" {
			if err := json.Unmarshal([]byte(l.raw), l.dst); err != nil {
				return site, err
			}
		}
	}
	return site, nil
}

// Site returns one site.
func (s *Store) Site(ctx context.Context, id string) (comment.Site, error) {
	st, err := s.readStmt(ctx, `SELECT `+siteCols+` FROM sites WHERE id = ?`)
	if err != nil {
		return comment.Site{}, storeErr(err, "Site")
	}
	site, err := scanSite(st.QueryRowContext(ctx, id))
	return site, storeErr(err, "Site")
}

// Sites lists every site.
func (s *Store) Sites(ctx context.Context) ([]comment.Site, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+siteCols+` FROM sites ORDER BY id`)
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

func scanArticle(row interface{ Scan(...any) error }) (comment.Article, error) {
	var a comment.Article
	var closed, verified int
	var created int64
	err := row.Scan(&a.ID, &a.SiteID, &a.URL, &a.Title, &closed, &a.ApprovedCount, &created, &verified)
	a.Closed, a.TitleVerified = closed != 0, verified != 0
	a.CreatedAt = fromMicro(created)
	return a, err
}

// Article returns the article at url on a site.
func (s *Store) Article(ctx context.Context, siteID, url string) (comment.Article, error) {
	a, err := scanArticle(s.r.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles WHERE site_id = ? AND url = ?`, siteID, url))
	return a, storeErr(err, "Article")
}

// SetArticleClosed opens or closes an article.
func (s *Store) SetArticleClosed(ctx context.Context, siteID, url string, closed bool) error {
	res, err := s.w.ExecContext(ctx, `UPDATE articles SET closed = ? WHERE site_id = ? AND url = ?`, boolInt(closed), siteID, url)
	if err != nil {
		return storeErr(err, "Article")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return comment.Errorf(comment.CodeNotFound, "Article not found.")
	}
	return nil
}

// createComment writes a new comment and, for the first comment of an
// article, the article itself, inside the group commit's transaction tx.
func createComment(ctx context.Context, tx *stmtTx, c *comment.Comment) error {
	c.Format = c.Format.OrMarkdown()
	var exists int
	if err := tx.QueryRowContext(ctx, qSiteExists, c.SiteID).Scan(&exists); err != nil {
		return storeErr(err, "Site")
	}
	if exists == 0 {
		return comment.Errorf(comment.CodeNotFound, "Site %q not found.", c.SiteID)
	}
	a, err := scanArticle(tx.QueryRowContext(ctx, qArticleByURL, c.SiteID, c.ArticleURL))
	switch {
	case err == sql.ErrNoRows:
		res, err := tx.ExecContext(ctx, qInsertArticle,
			c.SiteID, c.ArticleURL, c.ArticleTitle, micro(c.CreatedAt))
		if err != nil {
			return storeErr(err, "Article")
		}
		a.ID, _ = res.LastInsertId()
	case err != nil:
		return storeErr(err, "Article")
	case a.Closed:
		return comment.Invalid(comment.FieldError{Field: "article_url", Message: "is closed to new comments"})
	default:
		c.ArticleTitle = a.Title
	}
	c.ArticleID = a.ID
	c.RootID = 0
	if c.ParentID != 0 {
		var parentArticle, parentRoot sql.NullInt64
		var status string
		err := tx.QueryRowContext(ctx, qParent, c.ParentID).
			Scan(&parentArticle, &parentRoot, &status)
		if err == sql.ErrNoRows || (err == nil && (parentArticle.Int64 != a.ID || status != string(comment.StatusApproved))) {
			return comment.Invalid(comment.FieldError{Field: "parent_id", Message: "must be an approved comment of the same article"})
		}
		if err != nil {
			return storeErr(err, "Comment")
		}
		c.RootID = c.ParentID
		if parentRoot.Valid {
			c.RootID = parentRoot.Int64
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
	res, err := tx.ExecContext(ctx, qInsertComment,
		c.SiteID, a.ID, nullID(c.ParentID), nullID(c.RootID), c.AuthorName, c.AuthorWebsite,
		c.EmailCipher, c.EmailHMAC, nullBytes(c.IPHash), c.Body, c.HTML, string(c.Status), c.EditTokenHash,
		c.Score, boolInt(c.Flagged), string(spans), string(c.Reason), c.Note, micro(c.CreatedAt), nullTime(c.DecidedAt), c.DecidedBy, string(c.Format), string(holds))
	if err != nil {
		return storeErr(err, "Comment")
	}
	c.ID, _ = res.LastInsertId()
	if c.SSOSub != "" || c.AwaitingVerification || c.StaffBy != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET sso_sub = ?, awaiting_verification = ?, staff_by = ? WHERE id = ?`,
			c.SSOSub, boolInt(c.AwaitingVerification), c.StaffBy, c.ID); err != nil {
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
		if _, err := tx.ExecContext(ctx, qInsertAudit,
			micro(c.DecidedAt), c.DecidedBy, string(action), c.ID, c.SiteID, string(c.Reason), c.Note); err != nil {
			return storeErr(err, "Audit")
		}
	}
	if c.Status == comment.StatusApproved {
		if _, err := tx.ExecContext(ctx, qCountApproved, a.ID); err != nil {
			return storeErr(err, "Article")
		}
	}
	return nil
}

const commentCols = `c.id, c.site_id, c.article_id, a.url, a.title, a.title_verified, c.parent_id, c.root_id, c.author_name, c.author_website,
	c.email_cipher, c.email_hmac, c.ip_hash, c.body, c.html, c.status, c.edit_token_hash, c.score, c.flagged, c.spans,
	c.reason, c.note, c.created_at, c.decided_at, c.decided_by, c.revision_of, c.edited_at, c.format,
	c.sso_sub, c.awaiting_verification, c.holds, c.staff_by`

func scanComment(row interface{ Scan(...any) error }) (comment.Comment, error) {
	var c comment.Comment
	var parent, root, decided, revisionOf, edited sql.NullInt64
	var titleVerified int
	var status, spans, reason, holds string
	var flagged, awaiting int
	var created int64
	err := row.Scan(&c.ID, &c.SiteID, &c.ArticleID, &c.ArticleURL, &c.ArticleTitle, &titleVerified, &parent, &root, &c.AuthorName, &c.AuthorWebsite,
		&c.EmailCipher, &c.EmailHMAC, &c.IPHash, &c.Body, &c.HTML, &status, &c.EditTokenHash, &c.Score, &flagged, &spans,
		&reason, &c.Note, &created, &decided, &c.DecidedBy, &revisionOf, &edited, &c.Format,
		&c.SSOSub, &awaiting, &holds, &c.StaffBy)
	if err != nil {
		return c, err
	}
	c.AwaitingVerification = awaiting != 0
	c.ParentID, c.RootID, c.RevisionOf = parent.Int64, root.Int64, revisionOf.Int64
	c.ArticleTitleVerified = titleVerified != 0
	if edited.Valid {
		c.EditedAt = fromMicro(edited.Int64)
	}
	c.Status, c.Reason, c.Flagged = comment.Status(status), comment.Reason(reason), flagged != 0
	c.CreatedAt = fromMicro(created)
	if decided.Valid {
		c.DecidedAt = fromMicro(decided.Int64)
	}
	if spans != "" && spans != "[]" {
		if err := json.Unmarshal([]byte(spans), &c.Spans); err != nil {
			return c, err
		}
	}
	if holds != "" && holds != "[]" {
		if err := json.Unmarshal([]byte(holds), &c.Holds); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Comment returns one comment.
func (s *Store) Comment(ctx context.Context, id int64) (comment.Comment, error) {
	c, err := scanComment(s.r.QueryRowContext(ctx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.id = ?`, id))
	return c, storeErr(err, "Comment")
}

func threadRootsSQL(sort comment.Sort, after bool) string {
	op, dir := ">", "ASC"
	if sort == comment.SortNewest {
		op, dir = "<", "DESC"
	}
	q := `SELECT ` + commentCols + ` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.article_id = ? AND c.status IN ('approved', 'removed', 'deleted') AND c.root_id IS NULL AND c.revision_of IS NULL`
	if after {
		q += ` AND (c.created_at, c.id) ` + op + ` (?, ?)`
	}
	return q + ` ORDER BY c.created_at ` + dir + `, c.id ` + dir + ` LIMIT ?`
}

// threadRepliesSQL reads the replies under the roots given as one JSON
// array of IDs, so that its text is one whatever their number (and
// prepared once).
const threadRepliesSQL = `SELECT ` + commentCols + ` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.article_id = ? AND c.status IN ('approved', 'removed', 'deleted') AND c.revision_of IS NULL
		AND c.root_id IN (SELECT value FROM json_each(?))
		ORDER BY c.created_at, c.id`

const threadArticleSQL = `SELECT ` + articleCols + ` FROM articles WHERE site_id = ? AND url = ?`

// Thread returns a page of an article's approved comments.
func (s *Store) Thread(ctx context.Context, q comment.ThreadQuery) (comment.Thread, error) {
	var t comment.Thread
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Sort == "" {
		q.Sort = comment.SortOldest
	}
	// Every statement is prepared before the transaction holds one of the
	// read pool's connections: preparing takes another, and with every
	// connection held by a transaction waiting to prepare, none would come.
	articleQ, err := s.readStmt(ctx, threadArticleSQL)
	if err != nil {
		return t, storeErr(err, "Article")
	}
	rootsQ, err := s.readStmt(ctx, threadRootsSQL(q.Sort, !q.After.IsZero()))
	if err != nil {
		return t, storeErr(err, "Comment")
	}
	repliesQ, err := s.readStmt(ctx, threadRepliesSQL)
	if err != nil {
		return t, storeErr(err, "Comment")
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return t, storeErr(err, "Thread")
	}
	defer tx.Rollback()
	t.Article, err = scanArticle(tx.StmtContext(ctx, articleQ).QueryRowContext(ctx, q.SiteID, q.URL))
	if err == sql.ErrNoRows {
		return comment.Thread{Article: comment.Article{SiteID: q.SiteID, URL: q.URL}}, nil
	}
	if err != nil {
		return t, storeErr(err, "Article")
	}
	t.Exists = true
	args := []any{t.Article.ID}
	if !q.After.IsZero() {
		args = append(args, micro(q.After.CreatedAt), q.After.ID)
	}
	args = append(args, q.Limit+1)
	if q.Sort == comment.SortFeatured {
		t.Roots, t.Next, err = featuredRoots(ctx, tx, t.Article.ID, q.After, q.Limit)
	} else {
		t.Roots, err = txComments(ctx, tx, rootsQ, args...)
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
	ids := make([]int64, len(t.Roots))
	for i, r := range t.Roots {
		ids[i] = r.ID
	}
	rootIDs, _ := json.Marshal(ids)
	t.Replies, err = txComments(ctx, tx, repliesQ, t.Article.ID, string(rootIDs))
	return t, err
}

func queryComments(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]comment.Comment, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	return scanComments(rows)
}

// txComments is queryComments with a statement prepared once (readStmt,
// before tx began: see Thread) run in tx, a read transaction on the read
// pool: the thread, queue and picks reads, whose long statements took most
// of a thread's rendering to parse.
func txComments(ctx context.Context, tx *sql.Tx, st *sql.Stmt, args ...any) ([]comment.Comment, error) {
	rows, err := tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	return scanComments(rows)
}

func scanComments(rows *sql.Rows) ([]comment.Comment, error) {
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

func queueSQL(bySite, after bool) string {
	return queueSearchSQL(bySite, after, false, false, false)
}

func queueSearchSQL(bySite, after, search, flaggedOnly, byRule bool) string {
	q := `SELECT ` + commentCols + ` FROM comments c JOIN articles a ON a.id = c.article_id WHERE `
	if bySite {
		q += `c.site_id = ? AND `
	}
	q += `c.status = ? AND (c.status <> 'pending' OR c.awaiting_verification = 0)`
	if flaggedOnly {
		q += ` AND c.flagged = 1`
	}
	if search {
		q += ` AND (instr(lower(c.body), ?) > 0 OR instr(lower(c.author_name), ?) > 0 OR instr(lower(c.author_website), ?) > 0
			OR instr(lower(a.title), ?) > 0 OR instr(lower(a.url), ?) > 0)`
	}
	if byRule {
		q += ` AND EXISTS (SELECT 1 FROM json_each(c.holds) h WHERE json_extract(h.value, '$.rule') = ?)`
	}
	if after {
		q += ` AND (c.flagged < ? OR (c.flagged = ? AND (c.created_at, c.id) > (?, ?)))`
	}
	return q + ` ORDER BY c.flagged DESC, c.created_at, c.id LIMIT ?`
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
		needle := strings.ToLower(q.Search)
		args = append(args, needle, needle, needle, needle, needle)
	}
	if q.Rule != "" {
		args = append(args, q.Rule)
	}
	if !q.After.IsZero() {
		f := boolInt(q.After.Flagged)
		args = append(args, f, f, micro(q.After.CreatedAt), q.After.ID)
	}
	args = append(args, q.Limit)
	st, err := s.readStmt(ctx, queueSearchSQL(q.SiteID != "", !q.After.IsZero(), q.Search != "", q.FlaggedOnly, q.Rule != ""))
	if err != nil {
		return nil, storeErr(err, "Queue")
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storeErr(err, "Queue")
	}
	defer tx.Rollback()
	return txComments(ctx, tx, st, args...)
}

// CountByStatus counts comments per status, from the trigger-kept counts.
func (s *Store) CountByStatus(ctx context.Context, siteID string) (map[comment.Status]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT status, sum(n) FROM comment_counts WHERE (? = '' OR site_id = ?) GROUP BY status`, siteID, siteID)
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

// CountFlagged counts the flagged pending comments.
func (s *Store) CountFlagged(ctx context.Context, siteID string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM comment_counts WHERE (? = '' OR site_id = ?) AND status = 'pending' AND flagged = 1`,
		siteID, siteID).Scan(&n)
	if err != nil {
		return 0, storeErr(err, "Count")
	}
	_, heldFlagged, err := s.awaitingCounts(ctx, siteID)
	return n - heldFlagged, err
}

// Decide applies a decision and records it in the audit log atomically:
// approve and reject on pending and spam comments, remove on approved ones,
// restore on removed ones, hold (back to the queue) on approved ones. A
// decision on a revision applies to the comment it revises.
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return comment.Comment{}, storeErr(err, "Comment")
	}
	defer tx.Rollback()
	cur, err := scanComment(tx.QueryRowContext(ctx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.id = ?`, d.CommentID))
	if err != nil {
		return cur, storeErr(err, "Comment")
	}
	if !slices.Contains(tr.From, cur.Status) {
		if d.Action == comment.ActionApprove || d.Action == comment.ActionReject {
			return comment.Comment{}, comment.Errorf(comment.CodeConflict, "Comment %d was already decided: it is %s.", d.CommentID, cur.Status)
		}
		return comment.Comment{}, comment.Errorf(comment.CodeConflict, "Comment %d is %s; %s applies only to %s comments.", d.CommentID, cur.Status, d.Action, comment.StatusList(tr.From))
	}
	if cur.RevisionOf != 0 {
		return s.decideRevision(ctx, tx, cur, d, status)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE comments SET status = ?, reason = ?, note = ?, decided_at = ?, decided_by = ? WHERE id = ?`,
		string(status), string(d.Reason), d.Note, micro(d.At), d.Moderator, d.CommentID); err != nil {
		return comment.Comment{}, storeErr(err, "Comment")
	}
	if delta := comment.ApprovedDelta(cur.Status, status); delta != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET approved_count = approved_count + ? WHERE id = ?`, delta, cur.ArticleID); err != nil {
			return comment.Comment{}, storeErr(err, "Article")
		}
	}
	if err := audit(ctx, tx, d.At, d.Moderator, d.Action, d.CommentID, cur.SiteID, d.Reason, d.Note); err != nil {
		return comment.Comment{}, err
	}
	c, err := scanComment(tx.QueryRowContext(ctx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.id = ?`, d.CommentID))
	if err != nil {
		return c, storeErr(err, "Comment")
	}
	if err := insertOutbox(ctx, tx, c.ID, d.At); err != nil {
		return c, err
	}
	return c, storeErr(tx.Commit(), "Comment")
}

// decideRevision approves (publishing its text on the comment it revises)
// or rejects a pending revision. The revision row then leaves the queue:
// approved, it is kept as deleted, having been merged.
func (s *Store) decideRevision(ctx context.Context, tx *sql.Tx, rev comment.Comment, d comment.Decision, status comment.Status) (comment.Comment, error) {
	if d.Action != comment.ActionApprove && d.Action != comment.ActionReject {
		return comment.Comment{}, comment.Errorf(comment.CodeConflict, "Comment %d is an edit waiting for review: approve or reject it.", rev.ID)
	}
	final := status
	if status == comment.StatusApproved {
		spans, err := json.Marshal(nonNil(rev.Spans))
		if err != nil {
			return comment.Comment{}, storeErr(err, "Comment")
		}
		res, err := tx.ExecContext(ctx, `UPDATE comments SET body = ?, html = ?, score = ?, flagged = ?, spans = ?, edited_at = ?, format = 'markdown'
			WHERE id = ? AND status = 'approved'`, rev.Body, rev.HTML, rev.Score, boolInt(rev.Flagged), string(spans), micro(rev.CreatedAt), rev.RevisionOf)
		if err != nil {
			return comment.Comment{}, storeErr(err, "Comment")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return comment.Comment{}, comment.Errorf(comment.CodeConflict, "Comment %d is no longer published; its edit cannot be approved.", rev.RevisionOf)
		}
		final = comment.StatusDeleted
	}
	if _, err := tx.ExecContext(ctx, `UPDATE comments SET status = ?, reason = ?, note = ?, decided_at = ?, decided_by = ? WHERE id = ?`,
		string(final), string(d.Reason), d.Note, micro(d.At), d.Moderator, rev.ID); err != nil {
		return comment.Comment{}, storeErr(err, "Comment")
	}
	if err := audit(ctx, tx, d.At, d.Moderator, d.Action, rev.ID, rev.SiteID, d.Reason, d.Note); err != nil {
		return comment.Comment{}, err
	}
	if err := insertOutbox(ctx, tx, rev.ID, d.At); err != nil {
		return comment.Comment{}, err
	}
	if err := tx.Commit(); err != nil {
		return comment.Comment{}, storeErr(err, "Comment")
	}
	rev.Status, rev.Reason, rev.Note, rev.DecidedAt, rev.DecidedBy = status, d.Reason, d.Note, d.At, d.Moderator
	return rev, nil
}

// Audit reads the audit log, newest first.
func (s *Store) Audit(ctx context.Context, f comment.AuditFilter) ([]comment.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT id, at, moderator, action, comment_id, site_id, reason, note, target FROM audit_log WHERE 1 = 1`
	var args []any
	if f.SiteID != "" {
		q += ` AND site_id = ?`
		args = append(args, f.SiteID)
	}
	if f.Moderator != "" {
		q += ` AND moderator = ?`
		args = append(args, f.Moderator)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, string(f.Action))
	}
	if f.CommentID != 0 {
		q += ` AND comment_id = ?`
		args = append(args, f.CommentID)
	}
	if f.BeforeID != 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, storeErr(err, "Audit")
	}
	defer rows.Close()
	var out []comment.AuditEntry
	for rows.Next() {
		var e comment.AuditEntry
		var at int64
		var action, reason string
		var cid sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &e.Moderator, &action, &cid, &e.SiteID, &reason, &e.Note, &e.Target); err != nil {
			return nil, storeErr(err, "Audit")
		}
		e.At, e.Action, e.Reason, e.CommentID = fromMicro(at), comment.Action(action), comment.Reason(reason), cid.Int64
		out = append(out, e)
	}
	return out, storeErr(rows.Err(), "Audit")
}

// ForgetIPs drops IP hashes older than before.
func (s *Store) ForgetIPs(ctx context.Context, before, now time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE comments SET ip_hash = NULL WHERE ip_hash IS NOT NULL AND created_at < ?`, micro(before))
	if err != nil {
		return 0, storeErr(err, "Comment")
	}
	n, _ := res.RowsAffected()
	res, err = s.w.ExecContext(ctx, `DELETE FROM address_bans WHERE until <= ?`, micro(now))
	if err != nil {
		return n, storeErr(err, "Address ban")
	}
	bans, _ := res.RowsAffected()
	return n + bans, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micro(t)
}
