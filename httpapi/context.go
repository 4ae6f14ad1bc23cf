package httpapi

import (
	"context"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/moderation"
)

// replyContext is what a reply is scored with: the approved comment it
// answers and that comment's author. ok is false when parentID names no
// approved comment (of site, when site is not empty).
func (s *Server) replyContext(ctx context.Context, site string, parentID int64) (moderation.Context, bool, error) {
	p, err := s.Store.Comment(ctx, parentID)
	if comment.ErrorCode(err) == comment.CodeNotFound {
		return moderation.Context{}, false, nil
	}
	if err != nil {
		return moderation.Context{}, false, err
	}
	if p.Status != comment.StatusApproved || (site != "" && p.SiteID != site) {
		return moderation.Context{}, false, nil
	}
	return moderation.Context{Parent: p.Body, ParentAuthor: p.AuthorName}, true, nil
}

// queueWhy is the reason line of a flagged comment for moderators: the
// comment scored again with the comment it replies to (whatever that
// comment's status), under its site's policy. "" when not flagged.
func (s *Server) queueWhy(ctx context.Context, c comment.Comment, sites map[string]comment.Site) (string, error) {
	if !c.Flagged || c.Score < 0 || s.Policy.Classifier == nil {
		return "", nil
	}
	site, ok := sites[c.SiteID]
	if !ok {
		st, err := s.Store.Site(ctx, c.SiteID)
		if err != nil && comment.ErrorCode(err) != comment.CodeNotFound {
			return "", err
		}
		site = st
		sites[c.SiteID] = st
	}
	var cx moderation.Context
	if c.ParentID != 0 {
		p, err := s.Store.Comment(ctx, c.ParentID)
		if err != nil && comment.ErrorCode(err) != comment.CodeNotFound {
			return "", err
		}
		if err == nil {
			cx = moderation.Context{Parent: p.Body, ParentAuthor: p.AuthorName}
		}
	}
	return s.Policy.Why(site, c.Body, cx), nil
}
