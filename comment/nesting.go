package comment

import "context"

// Nesting reads how deep replies nest, so that the API can cap it.
type Nesting interface {
	// Ancestry returns the IDs from a comment's top-level ancestor down to
	// the comment itself (one ID for a top-level comment). The submission
	// path calls it for a reply's parent; CodeNotFound.
	Ancestry(ctx context.Context, id int64) ([]int64, error)
}
