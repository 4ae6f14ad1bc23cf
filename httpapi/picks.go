package httpapi

import (
	"net/http"

	"github.com/parleyhq/parley/comment"
)

func (s *Server) featureComment(w http.ResponseWriter, r *http.Request) error {
	return s.setFeatured(w, r, true)
}

func (s *Server) unfeatureComment(w http.ResponseWriter, r *http.Request) error {
	return s.setFeatured(w, r, false)
}

// setFeatured features a published comment among its article's editors'
// picks, or takes it back.
func (s *Server) setFeatured(w http.ResponseWriter, r *http.Request, featured bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, _ := ModeratorFrom(r.Context())
	if m.Role != comment.RoleAdmin && len(m.Sites) > 0 {
		c, err := s.Store.Comment(r.Context(), id)
		if err != nil {
			return err
		}
		if !m.MaySee(c.SiteID) {
			return errNotYourSite
		}
	}
	c, err := s.Desk.Feature(r.Context(), id, featured, m.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NewQueueItem(c))
	return nil
}

// pickNodes are an article's editors' picks as the thread shows them.
func pickNodes(cs []comment.Comment) []*ThreadComment {
	out := make([]*ThreadComment, 0, len(cs))
	for _, c := range cs {
		n := &ThreadComment{ID: c.ID, CreatedAt: timestamp(c.CreatedAt), Author: &Author{Name: c.AuthorName, Website: c.AuthorWebsite},
			HTML: c.HTML, Staff: c.StaffBy != "", Replies: []*ThreadComment{}}
		if c.ParentID != 0 {
			n.ParentID = &c.ParentID
		}
		if !c.EditedAt.IsZero() {
			n.EditedAt = timestamp(c.EditedAt)
		}
		out = append(out, n)
	}
	return out
}
