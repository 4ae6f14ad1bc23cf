package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/parleyhq/parley/comment"
)

// BeginImport starts an import's write transaction on the one writer
// connection: a live server's writes wait for it, so large imports into a
// live database go in batches.
func (s *Store) BeginImport(ctx context.Context, siteID string) (comment.ImportTx, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE id = ?`, siteID).Scan(&n); err != nil {
		return nil, storeErr(err, "Site")
	}
	if n == 0 {
		return nil, comment.Errorf(comment.CodeNotFound, "Site %q not found.", siteID)
	}
	// A large import is one long transaction: a bigger page cache keeps
	// SQLite from spilling dirty pages to the WAL over and over (bounded,
	// 64 MiB, so memory stays flat), and statement journals (each insert's
	// undo record, for its triggers and foreign keys) go to memory rather
	// than a temporary file. Both are set back when the import ends. The
	// writer pool has one connection, so these reach the transaction's.
	for _, pragma := range []string{`PRAGMA cache_size = -65536`, `PRAGMA temp_store = MEMORY`} {
		if _, err := s.w.ExecContext(ctx, pragma); err != nil {
			return nil, storeErr(err, "Import")
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		(&importTx{w: s.w}).reset()
		return nil, storeErr(err, "Import")
	}
	t := &importTx{tx: tx, w: s.w, siteID: siteID}
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&t.findSource, `SELECT comment_id FROM comment_sources WHERE article_id = ? AND source = ? AND source_id = ?`},
		{&t.findParent, `SELECT c.id, c.root_id FROM comment_sources s JOIN comments c ON c.id = s.comment_id
			WHERE s.article_id = ? AND s.source = ? AND s.source_id = ?`},
		{&t.insertComment, `INSERT INTO comments (site_id, article_id, parent_id, root_id, author_name, author_website,
			email_cipher, email_hmac, ip_hash, body, html, status, edit_token_hash, score, flagged, spans, reason, note, created_at, decided_at, decided_by, format, edited_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&t.insertSource, `INSERT INTO comment_sources (comment_id, article_id, source, source_id, parent_source, parent_source_id)
			VALUES (?, ?, ?, ?, ?, ?)`},
		{&t.countApproved, `UPDATE articles SET approved_count = approved_count + 1 WHERE id = ?`},
	} {
		if *p.dst, err = tx.PrepareContext(ctx, p.sql); err != nil {
			tx.Rollback()
			t.reset()
			return nil, storeErr(err, "Import")
		}
	}
	return t, nil
}

type importTx struct {
	tx     *sql.Tx
	w      *sql.DB
	siteID string
	// The last article written: an export lists an article's comments
	// together, so one entry saves most article reads without a map that
	// would grow with the file.
	lastURL     string
	lastArticle int64

	findSource, findParent, insertComment, insertSource, countApproved *sql.Stmt
}

// Commit commits and sets the page cache back to its default.
func (t *importTx) Commit() error {
	err := t.tx.Commit()
	t.reset()
	return storeErr(err, "Import")
}

// Rollback rolls back (nothing after Commit) and sets the page cache back.
func (t *importTx) Rollback() error {
	if t.tx.Rollback() == nil {
		t.reset()
	}
	return nil
}

// reset sets the writer connection's page cache and temporary storage back
// to SQLite's defaults: pragmas are not undone by the transaction's end.
func (t *importTx) reset() {
	t.w.Exec(`PRAGMA cache_size = -2000`)
	t.w.Exec(`PRAGMA temp_store = DEFAULT`)
}

// article returns the ID of the site's article at url, creating it.
func (t *importTx) article(ctx context.Context, c *comment.Comment) (int64, error) {
	if c.ArticleURL == t.lastURL && t.lastArticle != 0 {
		return t.lastArticle, nil
	}
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT id FROM articles WHERE site_id = ? AND url = ?`, t.siteID, c.ArticleURL).Scan(&id)
	if err == sql.ErrNoRows {
		res, err := t.tx.ExecContext(ctx, `INSERT INTO articles (site_id, url, title, created_at, title_verified) VALUES (?, ?, ?, ?, 1)`,
			t.siteID, c.ArticleURL, c.ArticleTitle, micro(c.CreatedAt))
		if err != nil {
			return 0, storeErr(err, "Article")
		}
		id, _ = res.LastInsertId()
	} else if err != nil {
		return 0, storeErr(err, "Article")
	}
	t.lastURL, t.lastArticle = c.ArticleURL, id
	return id, nil
}

// ImportComment writes one imported comment unless it is a duplicate.
func (t *importTx) ImportComment(ctx context.Context, ic *comment.ImportedComment) (comment.ImportOutcome, error) {
	c := &ic.Comment
	if err := checkImported(ic); err != nil {
		return 0, err
	}
	c.SiteID = t.siteID
	aid, err := t.article(ctx, c)
	if err != nil {
		return 0, err
	}
	var existing int64
	err = t.findSource.QueryRowContext(ctx, aid, ic.Ref.Source, ic.Ref.ID).Scan(&existing)
	if err == nil {
		c.ID, c.ArticleID = existing, aid
		return comment.Duplicate, nil
	}
	if err != sql.ErrNoRows {
		return 0, storeErr(err, "Comment")
	}
	if ic.Ref.Source == "parley" {
		// A comment written in this Parley, coming back in its own export.
		err := t.tx.QueryRowContext(ctx, nativeSQL, ic.Ref.ID, aid, micro(c.CreatedAt)).Scan(&existing)
		if err == nil {
			c.ID, c.ArticleID = existing, aid
			return comment.Duplicate, nil
		}
		if err != sql.ErrNoRows {
			return 0, storeErr(err, "Comment")
		}
	}
	c.ArticleID, c.ParentID, c.RootID = aid, 0, 0
	if !ic.Parent.IsZero() {
		var pid int64
		var proot sql.NullInt64
		err := t.findParent.QueryRowContext(ctx, aid, ic.Parent.Source, ic.Parent.ID).Scan(&pid, &proot)
		switch {
		case err == nil:
			c.ParentID, c.RootID = pid, pid
			if proot.Valid {
				c.RootID = proot.Int64
			}
		case err != sql.ErrNoRows:
			return 0, storeErr(err, "Comment")
		}
	}
	spans, err := json.Marshal(nonNil(c.Spans))
	if err != nil {
		return 0, storeErr(err, "Comment")
	}
	res, err := t.insertComment.ExecContext(ctx, c.SiteID, aid, nullID(c.ParentID), nullID(c.RootID), c.AuthorName, c.AuthorWebsite,
		nonNil(c.EmailCipher), nonNil(c.EmailHMAC), nullBytes(c.IPHash), c.Body, c.HTML, string(c.Status), nonNil(c.EditTokenHash),
		c.Score, boolInt(c.Flagged), string(spans), string(c.Reason), c.Note, micro(c.CreatedAt), nullTime(c.DecidedAt), c.DecidedBy,
		string(c.Format.OrMarkdown()), nullTime(c.EditedAt))
	if err != nil {
		return 0, storeErr(err, "Comment")
	}
	c.ID, _ = res.LastInsertId()
	if _, err := t.insertSource.ExecContext(ctx, c.ID, aid, ic.Ref.Source, ic.Ref.ID, ic.Parent.Source, ic.Parent.ID); err != nil {
		return 0, storeErr(err, "Comment")
	}
	if c.Status == comment.StatusApproved {
		if _, err := t.countApproved.ExecContext(ctx, aid); err != nil {
			return 0, storeErr(err, "Article")
		}
	}
	return comment.Imported, nil
}

// nativeSQL finds a comment written in Parley (it has no source) by its
// ID, article and time: a Parley export names such comments parley:ID.
const nativeSQL = `SELECT c.id FROM comments c WHERE c.id = ? AND c.article_id = ? AND c.created_at = ?
	AND NOT EXISTS (SELECT 1 FROM comment_sources s WHERE s.comment_id = c.id)`

// checkImported refuses what the schema would refuse, naming the field.
func checkImported(ic *comment.ImportedComment) error {
	var bad []comment.FieldError
	if ic.Ref.Source == "" || ic.Ref.ID == "" {
		bad = append(bad, comment.FieldError{Field: "source_id", Message: "is required"})
	}
	if !ic.Comment.Status.Valid() {
		bad = append(bad, comment.FieldError{Field: "status", Message: "must be pending, approved, rejected or spam"})
	}
	if !ic.Comment.Format.Valid() {
		bad = append(bad, comment.FieldError{Field: "format", Message: "must be markdown or html"})
	}
	if ic.Comment.ArticleURL == "" {
		bad = append(bad, comment.FieldError{Field: "article_url", Message: "is required"})
	}
	if len(bad) > 0 {
		return comment.Invalid(bad...)
	}
	return nil
}

// ResolveParents links replies to parents that arrived after them. Each link
// moves the reply and its own replies (whose root it was) under the
// parent's root, so the order in which links are made does not matter.
func (t *importTx) ResolveParents(ctx context.Context, fromID int64) ([]comment.SourceRef, error) {
	type link struct{ child, parent int64 }
	for {
		rows, err := t.tx.QueryContext(ctx, `SELECT s.comment_id, p.comment_id FROM comment_sources s
			JOIN comments c ON c.id = s.comment_id
			JOIN comment_sources p ON p.article_id = s.article_id AND p.source = s.parent_source AND p.source_id = s.parent_source_id
			WHERE c.site_id = ? AND s.parent_source_id != '' AND c.parent_id IS NULL AND p.comment_id != s.comment_id
			ORDER BY s.comment_id LIMIT 500`, t.siteID)
		if err != nil {
			return nil, storeErr(err, "Comment")
		}
		var links []link
		for rows.Next() {
			var l link
			if err := rows.Scan(&l.child, &l.parent); err != nil {
				rows.Close()
				return nil, storeErr(err, "Comment")
			}
			links = append(links, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, storeErr(err, "Comment")
		}
		if len(links) == 0 {
			break
		}
		linked := 0
		for _, l := range links {
			var proot sql.NullInt64
			if err := t.tx.QueryRowContext(ctx, `SELECT root_id FROM comments WHERE id = ?`, l.parent).Scan(&proot); err != nil {
				return nil, storeErr(err, "Comment")
			}
			root := l.parent
			if proot.Valid {
				root = proot.Int64
			}
			if root == l.child {
				continue // a cycle in the source: leave it top-level
			}
			if _, err := t.tx.ExecContext(ctx, `UPDATE comments SET parent_id = ?, root_id = ? WHERE id = ?`, l.parent, root, l.child); err != nil {
				return nil, storeErr(err, "Comment")
			}
			if _, err := t.tx.ExecContext(ctx, `UPDATE comments SET root_id = ? WHERE root_id = ?`, root, l.child); err != nil {
				return nil, storeErr(err, "Comment")
			}
			linked++
		}
		if linked == 0 {
			break
		}
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT s.source, s.source_id FROM comment_sources s JOIN comments c ON c.id = s.comment_id
		WHERE c.site_id = ? AND s.parent_source_id != '' AND c.parent_id IS NULL AND s.comment_id >= ? ORDER BY s.comment_id`, t.siteID, fromID)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer rows.Close()
	var orphans []comment.SourceRef
	for rows.Next() {
		var r comment.SourceRef
		if err := rows.Scan(&r.Source, &r.ID); err != nil {
			return nil, storeErr(err, "Comment")
		}
		orphans = append(orphans, r)
	}
	return orphans, storeErr(rows.Err(), "Comment")
}

// ExportComments reads every comment of a site, in ID order, in one
// snapshot.
func (s *Store) ExportComments(ctx context.Context, siteID string, fn func(comment.ExportedComment) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return storeErr(err, "Comment")
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+commentCols+`, coalesce(s.source, ''), coalesce(s.source_id, ''),
		coalesce(s.parent_source, ''), coalesce(s.parent_source_id, ''), coalesce(ps.source, ''), coalesce(ps.source_id, '')
		FROM comments c JOIN articles a ON a.id = c.article_id
		LEFT JOIN comment_sources s ON s.comment_id = c.id
		LEFT JOIN comment_sources ps ON ps.comment_id = c.parent_id
		WHERE c.site_id = ? AND c.revision_of IS NULL ORDER BY c.id`, siteID)
	if err != nil {
		return storeErr(err, "Comment")
	}
	defer rows.Close()
	for rows.Next() {
		var src, srcID, psrc, psrcID, parSrc, parSrcID string
		c, err := scanComment(scanTail{rows, []any{&src, &srcID, &psrc, &psrcID, &parSrc, &parSrcID}})
		if err != nil {
			return storeErr(err, "Comment")
		}
		e := comment.NewExportedComment(c, comment.SourceRef{Source: src, ID: srcID}, comment.SourceRef{Source: parSrc, ID: parSrcID}, comment.SourceRef{Source: psrc, ID: psrcID})
		if err := fn(e); err != nil {
			return err
		}
	}
	return storeErr(rows.Err(), "Comment")
}

// scanTail scans a comment row followed by extra columns.
type scanTail struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }
