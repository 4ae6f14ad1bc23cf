package comment

import (
	"context"
	"time"
)

// ActionFeature and ActionUnfeature are an editor featuring a published
// comment among the article's editors' picks, and taking it back.
const (
	ActionFeature   Action = "feature"
	ActionUnfeature Action = "unfeature"
)

// FeatureChange is an editor featuring (or no longer featuring) a comment.
type FeatureChange struct {
	CommentID int64
	Featured  bool
	Moderator string
	At        time.Time
}

// Picks is the store's record of editors' picks.
type Picks interface {
	// SetFeatured features or unfeatures an approved comment and writes
	// the change to the audit log (feature, unfeature) in the same
	// transaction. CodeConflict when the comment is not approved;
	// CodeNotFound.
	SetFeatured(ctx context.Context, ch FeatureChange) (Comment, error)
	// Picks returns an article's featured comments that are still
	// approved, most recently featured first, at most 20.
	Picks(ctx context.Context, siteID, url string) ([]Comment, error)
}
