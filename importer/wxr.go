package importer

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/parleyhq/parley/comment"
)

// WXRStore is what the WXR export reads: the comments, and each article's
// date (WordPress matches an existing post by title and date, so every
// <item> of one article carries the same).
type WXRStore interface {
	comment.ImportStore
	Article(ctx context.Context, siteID, url string) (comment.Article, error)
}

// WriteWXR writes every comment of a site as a WordPress export (WXR 1.2),
// so that a newsroom can leave for WordPress. Comments are written in ID
// order; consecutive comments of one article share an <item>, and an article
// whose comments are not consecutive gets several items with the same
// title, link and date, which WordPress's importer merges into one post.
// Markdown bodies are written as their rendered HTML, which is what
// WordPress shows. render may be nil when every body is HTML.
func WriteWXR(ctx context.Context, store WXRStore, w io.Writer, opts ExportOptions, render func(comment.Format, string) string) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?>
<!-- Parley export of site %s: WordPress eXtended RSS 1.2 -->
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>%s</title>
	<wp:wxr_version>1.2</wp:wxr_version>
`, xmlText(strings.ReplaceAll(opts.SiteID, "--", "")), xmlText(opts.SiteID))
	n := 0
	open := int64(0)
	err := store.ExportComments(ctx, opts.SiteID, func(e comment.ExportedComment) error {
		c := e.Comment
		if c.ArticleID != open {
			if open != 0 {
				bw.WriteString("\t</item>\n")
			}
			a, err := store.Article(ctx, opts.SiteID, c.ArticleURL)
			if err != nil {
				return err
			}
			open = c.ArticleID
			date := a.CreatedAt.UTC().Format("2006-01-02 15:04:05")
			fmt.Fprintf(bw, "\t<item>\n\t\t<title>%s</title>\n\t\t<link>%s</link>\n\t\t<guid isPermaLink=\"true\">%s</guid>\n"+
				"\t\t<wp:post_id>%d</wp:post_id>\n\t\t<wp:post_date>%s</wp:post_date>\n\t\t<wp:post_date_gmt>%s</wp:post_date_gmt>\n"+
				"\t\t<wp:status>publish</wp:status>\n\t\t<wp:post_type>post</wp:post_type>\n",
				xmlText(a.Title), xmlText(a.URL), xmlText(a.URL), a.ID, date, date)
		}
		email := ""
		if opts.Private {
			var err error
			if email, err = decryptEmail(opts.Keys, c.EmailCipher); err != nil {
				return fmt.Errorf("comment %d: %w", c.ID, err)
			}
		}
		body := c.Body
		if c.Format.OrMarkdown() != comment.FormatHTML && render != nil {
			body = render(c.Format, c.Body)
		}
		date := c.CreatedAt.UTC().Format("2006-01-02 15:04:05")
		fmt.Fprintf(bw, "\t\t<wp:comment>\n\t\t\t<wp:comment_id>%d</wp:comment_id>\n\t\t\t<wp:comment_author>%s</wp:comment_author>\n"+
			"\t\t\t<wp:comment_author_email>%s</wp:comment_author_email>\n\t\t\t<wp:comment_author_url>%s</wp:comment_author_url>\n"+
			"\t\t\t<wp:comment_author_IP></wp:comment_author_IP>\n\t\t\t<wp:comment_date>%s</wp:comment_date>\n\t\t\t<wp:comment_date_gmt>%s</wp:comment_date_gmt>\n"+
			"\t\t\t<wp:comment_content>%s</wp:comment_content>\n\t\t\t<wp:comment_approved>%s</wp:comment_approved>\n"+
			"\t\t\t<wp:comment_type>comment</wp:comment_type>\n\t\t\t<wp:comment_parent>%d</wp:comment_parent>\n\t\t</wp:comment>\n",
			c.ID, cdata(c.AuthorName), xmlText(email), xmlText(c.AuthorWebsite), date, date, cdata(body), wpApproved(c.Status), c.ParentID)
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	if open != 0 {
		bw.WriteString("\t</item>\n")
	}
	bw.WriteString("</channel>\n</rss>\n")
	return n, bw.Flush()
}

// wpApproved is WordPress's comment_approved for a status.
func wpApproved(s comment.Status) string {
	switch s {
	case comment.StatusApproved:
		return "1"
	case comment.StatusSpam:
		return "spam"
	case comment.StatusRejected, comment.StatusRemoved, comment.StatusDeleted:
		return "trash" // WordPress has no removed or withdrawn comment
	}
	return "0"
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// cdata wraps s in CDATA, splitting any "]]>" inside it.
func cdata(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000 {
			return r
		}
		return -1 // not allowed in XML at all
	}, s)
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}
