package comment

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// The audit actions of data-rights requests (GDPR Articles 15 and 17).
// Their entries carry no comment; Target is "commenter:" and the hex of
// the keyed hash of the email, never the email.
const (
	ActionDataExport Action = "data_export"
	ActionDataErase  Action = "data_erase"
)

// FormerCommenter is the name an erased comment keeps when another
// reader's reply depends on it.
const FormerCommenter = "Former commenter"

// DataRequest is a commenter's request (or a moderator's, for one that came
// by post) about everything a site holds on one email.
type DataRequest struct {
	SiteID    string
	EmailHMAC []byte
	// By is who acted: "author" for the commenter's own signed link, else
	// the moderator's name.
	By string
	At time.Time
}

// CommenterData is everything a site holds about one commenter.
type CommenterData struct {
	Comments  []Comment // every status, oldest first
	Reports   []Report  // reports they filed (by their email), oldest first
	Commenter Commenter // standing and history
}

// Erasure says what erasing a commenter did.
type Erasure struct {
	// Deleted are the comments removed outright; Anonymised those kept as a
	// tombstone named FormerCommenter because another reader's reply
	// depends on them.
	Deleted    []int64
	Anonymised []int64
	Reports    int // reports they filed, deleted
	// Articles are the URLs of the articles whose threads changed.
	Articles []string
}

// DataRights is the store's side of data-rights requests. Both methods write
// their audit entry in the same transaction.
type DataRights interface {
	// ExportCommenter returns everything a site holds about the commenter
	// and audits the export (ActionDataExport). A commenter the site never
	// saw has empty lists, not CodeNotFound.
	ExportCommenter(ctx context.Context, r DataRequest) (CommenterData, error)
	// EraseCommenter deletes the commenter's comments, the reports they
	// filed, their standing and verification on the site. A comment that
	// another reader's comment replies to (or descends from) is anonymised
	// instead: the name becomes FormerCommenter, the body, website, email
	// and address hash go, and it stays as a deleted tombstone. Audited as
	// ActionDataErase.
	EraseCommenter(ctx context.Context, r DataRequest) (Erasure, error)
}

// Note is the audit note of an erasure.
func (e Erasure) Note() string {
	return fmt.Sprintf("%d comments deleted, %d anonymised, %d reports deleted", len(e.Deleted), len(e.Anonymised), e.Reports)
}

// Link is a comment that names another as its parent or root.
type Link struct{ ID, ParentID, RootID int64 }

// PlanErasure decides which of a commenter's comments (mine) can go and
// which must stay as tombstones: one stays when a comment that stays
// (another reader's, or one of theirs that stays) names it as its parent or
// root. links are the comments naming any of mine as parent or root. Both
// results are sorted.
func PlanErasure(mine []int64, links []Link) (deleted, anonymised []int64) {
	own := map[int64]bool{}
	for _, id := range mine {
		own[id] = true
	}
	keep := map[int64]bool{}
	for changed := true; changed; {
		changed = false
		for _, l := range links {
			if own[l.ID] && !keep[l.ID] {
				continue // it goes with the rest of theirs
			}
			for _, ref := range []int64{l.ParentID, l.RootID} {
				if own[ref] && !keep[ref] {
					keep[ref], changed = true, true
				}
			}
		}
	}
	for _, id := range mine {
		if keep[id] {
			anonymised = append(anonymised, id)
		} else {
			deleted = append(deleted, id)
		}
	}
	slices.Sort(deleted)
	slices.Sort(anonymised)
	return deleted, anonymised
}
