package httpapi

import (
	"context"
	"fmt"

	"github.com/parleyhq/parley/comment"
)

// DefaultMaxReplyDepth is how deep replies nest unless configured: a
// top-level comment is at depth 0, a reply to it at 1.
const DefaultMaxReplyDepth = 50

// capNesting returns the parent a reply is stored under: the one asked for,
// or, when that one is at the cap (MaxReplyDepth) or deeper, its ancestor
// at depth cap-1, so that the reply lands at the cap; then a notice for
// the answer. A parent that does not exist is left for CreateComment to
// refuse.
func (s *Server) capNesting(ctx context.Context, parentID int64) (int64, string, error) {
	max := s.MaxReplyDepth
	if max <= 0 {
		max = DefaultMaxReplyDepth
	}
	chain, err := s.Store.Ancestry(ctx, parentID)
	if comment.ErrorCode(err) == comment.CodeNotFound {
		return parentID, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	// The parent's depth is len(chain)-1; the reply's one more.
	if len(chain)-1 < max {
		return parentID, "", nil
	}
	used := chain[max-1]
	return used, fmt.Sprintf("Replies nest at most %d deep: this reply was attached to comment %d, the parent of comment %d.", max, used, parentID), nil
}
