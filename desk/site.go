package desk

import (
	"context"
	"encoding/json"

	"github.com/parleyhq/parley/comment"
)

// NoticeSite says a site's settings changed; the payload is a SiteNotice.
// Every instance drops its cached copy of the site (and the threads whose
// origin checks used it).
const NoticeSite = "site"

// SiteNotice names the site whose settings changed.
type SiteNotice struct {
	Site string `json:"site"`
}

// UpdateSite replaces a site's settings and tells every instance, so that
// none serves from a stale copy. CodeNotFound when the site is unknown.
func (d *Desk) UpdateSite(ctx context.Context, site comment.Site) error {
	if err := d.Store.UpdateSite(ctx, site); err != nil {
		return err
	}
	payload, _ := json.Marshal(SiteNotice{Site: site.ID})
	if err := d.Bus.Publish(ctx, NoticeSite, payload); err != nil {
		d.Logger.Warn("publishing a site change failed", "err", err)
	}
	return nil
}
