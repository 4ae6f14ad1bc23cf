package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/comment"
)

// BeginImport starts an import's write transaction.
func (s *Store) BeginImport(ctx context.Context, siteID string) (comment.ImportTx, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sites WHERE id = $1)`, siteID).Scan(&exists); err != nil {
		return nil, storeErr(err, "Site")
	}
	if !exists {
		return nil, comment.Errorf(comment.CodeNotFound, "Site %q not found.", siteID)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, storeErr(err, "Import")
	}
	return &importTx{tx: tx, siteID: siteID}, nil
}

type importTx struct {
	tx     pgx.Tx
	siteID string
	// The last article written (see the SQLite store).
	lastURL     string
	lastArticle int64
}

func (t *importTx) Commit() error { return storeErr(t.tx.Commit(context.Background()), "Import") }

func (t *importTx) Rollback() error {
	err := t.tx.Rollback(context.Background())
	if errors.Is(err, pgx.ErrTxClosed) {
		return nil
	}
	return storeErr(err, "Import")
}

func (t *importTx) article(ctx context.Context, c *comment.Comment) (int64, error) {
	if c.ArticleURL == t.lastURL && t.lastArticle != 0 {
		return t.lastArticle, nil
	}
	var id int64
	err := t.tx.QueryRow(ctx, `INSERT INTO articles (site_id, url, title, created_at, title_verified) VALUES ($1, $2, $3, $4, true)
		ON CONFLICT (site_id, url) DO NOTHING RETURNING id`, t.siteID, c.ArticleURL, c.ArticleTitle, ts(c.CreatedAt)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = t.tx.QueryRow(ctx, `SELECT id FROM articles WHERE site_id = $1 AND url = $2`, t.siteID, c.ArticleURL).Scan(&id)
	}
	if err != nil {
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
	err = t.tx.QueryRow(ctx, `SELECT comment_id FROM comment_sources WHERE article_id = $1 AND source = $2 AND source_id = $3`,
		aid, ic.Ref.Source, ic.Ref.ID).Scan(&existing)
	if err == nil {
		c.ID, c.ArticleID = existing, aid
		return comment.Duplicate, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, storeErr(err, "Comment")
	}
	if ic.Ref.Source == "parley" {
		// A comment written in this Parley, coming back in its own export.
		if id, perr := strconv.ParseInt(ic.Ref.ID, 10, 64); perr == nil {
			err := t.tx.QueryRow(ctx, `SELECT c.id FROM comments c WHERE c.id = $1 AND c.article_id = $2 AND c.created_at = $3
				AND NOT EXISTS (SELECT 1 FROM comment_sources s WHERE s.comment_id = c.id)`, id, aid, ts(c.CreatedAt)).Scan(&existing)
			if err == nil {
				c.ID, c.ArticleID = existing, aid
				return comment.Duplicate, nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return 0, storeErr(err, "Comment")
			}
		}
	}
	c.ArticleID, c.ParentID, c.RootID = aid, 0, 0
	if !ic.Parent.IsZero() {
		var pid int64
		var proot *int64
		err := t.tx.QueryRow(ctx, `SELECT c.id, c.root_id FROM comment_sources s JOIN comments c ON c.id = s.comment_id
			WHERE s.article_id = $1 AND s.source = $2 AND s.source_id = $3`, aid, ic.Parent.Source, ic.Parent.ID).Scan(&pid, &proot)
		switch {
		case err == nil:
			c.ParentID, c.RootID = pid, pid
			if proot != nil {
				c.RootID = *proot
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return 0, storeErr(err, "Comment")
		}
	}
	spans, err := json.Marshal(nonNil(c.Spans))
	if err != nil {
		return 0, storeErr(err, "Comment")
	}
	err = t.tx.QueryRow(ctx, `INSERT INTO comments (site_id, article_id, parent_id, root_id, author_name, author_website,
		email_cipher, email_hmac, ip_hash, body, html, status, edit_token_hash, score, flagged, spans, reason, note, created_at, decided_at, decided_by, format, edited_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id`,
		c.SiteID, aid, nullID(c.ParentID), nullID(c.RootID), c.AuthorName, c.AuthorWebsite,
		nonNil(c.EmailCipher), nonNil(c.EmailHMAC), nullBytes(c.IPHash), c.Body, c.HTML, string(c.Status), nonNil(c.EditTokenHash),
		c.Score, c.Flagged, string(spans), string(c.Reason), c.Note, ts(c.CreatedAt), nullTime(c.DecidedAt), c.DecidedBy,
		string(c.Format.OrMarkdown()), nullTime(c.EditedAt)).Scan(&c.ID)
	if err != nil {
		return 0, storeErr(err, "Comment")
	}
	if _, err := t.tx.Exec(ctx, `INSERT INTO comment_sources (comment_id, article_id, source, source_id, parent_source, parent_source_id)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, aid, ic.Ref.Source, ic.Ref.ID, ic.Parent.Source, ic.Parent.ID); err != nil {
		return 0, storeErr(err, "Comment")
	}
	if c.Status == comment.StatusApproved {
		if _, err := t.tx.Exec(ctx, `UPDATE articles SET approved_count = approved_count + 1 WHERE id = $1`, aid); err != nil {
			return 0, storeErr(err, "Article")
		}
	}
	return comment.Imported, nil
}

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

// ResolveParents links replies to parents that arrived after them (see the
// SQLite store for why the order of links does not matter).
func (t *importTx) ResolveParents(ctx context.Context, fromID int64) ([]comment.SourceRef, error) {
	type link struct{ child, parent int64 }
	for {
		rows, err := t.tx.Query(ctx, `SELECT s.comment_id, p.comment_id FROM comment_sources s
			JOIN comments c ON c.id = s.comment_id
			JOIN comment_sources p ON p.article_id = s.article_id AND p.source = s.parent_source AND p.source_id = s.parent_source_id
			WHERE c.site_id = $1 AND s.parent_source_id != '' AND c.parent_id IS NULL AND p.comment_id != s.comment_id
			ORDER BY s.comment_id LIMIT 500`, t.siteID)
		if err != nil {
			return nil, storeErr(err, "Comment")
		}
		links, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (link, error) {
			var l link
			err := r.Scan(&l.child, &l.parent)
			return l, err
		})
		if err != nil {
			return nil, storeErr(err, "Comment")
		}
		if len(links) == 0 {
			break
		}
		linked := 0
		for _, l := range links {
			var proot *int64
			if err := t.tx.QueryRow(ctx, `SELECT root_id FROM comments WHERE id = $1`, l.parent).Scan(&proot); err != nil {
				return nil, storeErr(err, "Comment")
			}
			root := l.parent
			if proot != nil {
				root = *proot
			}
			if root == l.child {
				continue // a cycle in the source: leave it top-level
			}
			if _, err := t.tx.Exec(ctx, `UPDATE comments SET parent_id = $1, root_id = $2 WHERE id = $3`, l.parent, root, l.child); err != nil {
				return nil, storeErr(err, "Comment")
			}
			if _, err := t.tx.Exec(ctx, `UPDATE comments SET root_id = $1 WHERE root_id = $2`, root, l.child); err != nil {
				return nil, storeErr(err, "Comment")
			}
			linked++
		}
		if linked == 0 {
			break
		}
	}
	rows, err := t.tx.Query(ctx, `SELECT s.source, s.source_id FROM comment_sources s JOIN comments c ON c.id = s.comment_id
		WHERE c.site_id = $1 AND s.parent_source_id != '' AND c.parent_id IS NULL AND s.comment_id >= $2 ORDER BY s.comment_id`, t.siteID, fromID)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	orphans, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (comment.SourceRef, error) {
		var ref comment.SourceRef
		err := r.Scan(&ref.Source, &ref.ID)
		return ref, err
	})
	return orphans, storeErr(err, "Comment")
}

// ExportComments reads every comment of a site, in ID order, in one
// snapshot.
func (s *Store) ExportComments(ctx context.Context, siteID string, fn func(comment.ExportedComment) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return storeErr(err, "Comment")
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `SELECT `+commentCols+`, coalesce(s.source, ''), coalesce(s.source_id, ''),
		coalesce(s.parent_source, ''), coalesce(s.parent_source_id, ''), coalesce(ps.source, ''), coalesce(ps.source_id, '')
		FROM comments c JOIN articles a ON a.id = c.article_id
		LEFT JOIN comment_sources s ON s.comment_id = c.id
		LEFT JOIN comment_sources ps ON ps.comment_id = c.parent_id
		WHERE c.site_id = $1 AND c.revision_of IS NULL ORDER BY c.id`, siteID)
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
	row   pgx.Row
	extra []any
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }
