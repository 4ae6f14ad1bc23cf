package httpapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
)

// StaffCommentRequest is the body of POST /api/v1/admin/comments: a
// moderator's comment, on an article or under a published comment.
type StaffCommentRequest struct {
	Site         string `json:"site"`
	ArticleURL   string `json:"article_url"`
	ArticleTitle string `json:"article_title"`
	ParentID     *int64 `json:"parent_id"`
	Name         string `json:"name"`
	Body         string `json:"body"`
}

// staffComment publishes a moderator's comment at once, badged Staff in
// the thread and audited as the moderator's approval.
func (s *Server) staffComment(w http.ResponseWriter, r *http.Request) error {
	var req StaffCommentRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	m, _ := ModeratorFrom(r.Context())
	p, err := StaffPostFrom(r.Context(), s.Store, s.render, req)
	if err != nil {
		return err
	}
	c, err := s.Desk.StaffComment(r.Context(), p, m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, NewQueueItem(c))
	return nil
}

// StaffPostFrom checks a staff comment's site, article and title as a
// reader's are checked, and renders its body; the dashboard uses it too.
func StaffPostFrom(ctx context.Context, store comment.Store, render *Renderer, req StaffCommentRequest) (desk.StaffPost, error) {
	p := desk.StaffPost{SiteID: req.Site, ArticleURL: req.ArticleURL, ArticleTitle: req.ArticleTitle, Name: req.Name, Body: req.Body}
	if req.ParentID != nil {
		if *req.ParentID <= 0 {
			return p, comment.Invalid(comment.FieldError{Field: "parent_id", Message: "must be the positive id of an approved comment"})
		}
		p.ParentID = *req.ParentID
	}
	var errs []comment.FieldError
	if req.Site != "" {
		site, err := store.Site(ctx, req.Site)
		switch comment.ErrorCode(err) {
		case "":
			if req.ArticleURL != "" {
				switch {
				case len(req.ArticleURL) > MaxURLBytes || checkText(req.ArticleURL, false) != "" || !validHTTPURL(req.ArticleURL):
					errs = append(errs, comment.FieldError{Field: "article_url", Message: "must be an absolute http or https URL"})
				case !slices.Contains(site.Origins, mustOrigin(req.ArticleURL)):
					errs = append(errs, comment.FieldError{Field: "article_url", Message: "is not on one of the site's allowed origins"})
				default:
					p.ArticleURL = NormalizeArticleURL(req.ArticleURL, site.TrackingParams)
					// Under an alias, the canonical article, as for readers.
					aliases, err := store.ArticleAliases(ctx, site.ID)
					if err != nil {
						return p, err
					}
					if canonical, ok := aliases[p.ArticleURL]; ok {
						p.ArticleURL = canonical
					}
				}
			}
		case comment.CodeNotFound:
			errs = append(errs, comment.FieldError{Field: "site", Message: "is not a site this server knows"})
		default:
			return p, err
		}
	}
	if len([]rune(req.ArticleTitle)) > MaxTitleRunes || checkText(req.ArticleTitle, false) != "" {
		errs = append(errs, comment.FieldError{Field: "article_title", Message: "must be one line of at most 300 characters"})
	}
	if msg := checkText(req.Body, true); req.Body != "" && msg != "" {
		errs = append(errs, comment.FieldError{Field: "body", Message: msg})
	}
	if len(errs) > 0 {
		return p, comment.Invalid(errs...)
	}
	p.HTML = render.Render(req.Body)
	return p, nil
}
