package dashboard

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/httpapi"
)

// staffRender renders staff comments as the public API renders readers'.
var staffRender = httpapi.NewRenderer()

// staffReply publishes a moderator's reply under a published comment, at
// once and badged Staff (desk.StaffComment).
func (h *Handler) staffReply(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.mayDecide(r, s, id); err != nil {
		return err
	}
	return h.staffPost(w, r, s, httpapi.StaffCommentRequest{ParentID: &id, Name: r.PostFormValue("name"), Body: r.PostFormValue("body")})
}

// staffArticleComment publishes a moderator's comment on an article of
// the site.
func (h *Handler) staffArticleComment(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.staffPost(w, r, s, httpapi.StaffCommentRequest{Site: r.PathValue("site"), ArticleURL: strings.TrimSpace(r.PostFormValue("article_url")),
		Name: r.PostFormValue("name"), Body: r.PostFormValue("body")})
}

func (h *Handler) staffPost(w http.ResponseWriter, r *http.Request, s *session, req httpapi.StaffCommentRequest) error {
	p, err := httpapi.StaffPostFrom(r.Context(), h.Store, staffRender, req)
	if err != nil {
		return err
	}
	c, err := h.Desk.StaffComment(r.Context(), p, s.Moderator)
	if err != nil {
		return err
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "status": c.Status, "staff": true})
		return nil
	}
	http.Redirect(w, r, "/admin/comments/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}
