package httpapi

import (
	"encoding/json"

	"github.com/parleyhq/parley/desk"
)

// Bus carries change notices between instances; see desk.Bus.
type Bus = desk.Bus

// The notice kinds; see package desk.
const (
	NoticeThread = desk.NoticeThread
	NoticeReset  = desk.NoticeReset
	NoticeAlias  = desk.NoticeAlias
)

// AliasNotice names the site whose article aliases changed.
type AliasNotice = desk.AliasNotice

// ThreadNotice names the article whose thread changed.
type ThreadNotice = desk.ThreadNotice

// LocalBus is a Bus within one process.
type LocalBus = desk.LocalBus

// NewLocalBus returns an empty LocalBus.
func NewLocalBus() *LocalBus { return desk.NewLocalBus() }

// onNotice applies a notice from any instance to this one's caches.
func (s *Server) onNotice(kind string, payload json.RawMessage) {
	switch kind {
	case NoticeThread:
		var n ThreadNotice
		if err := json.Unmarshal(payload, &n); err == nil {
			s.threads.invalidate(articleKey(n.Site, n.URL))
		}
	case NoticeSite:
		var n SiteNotice
		if err := json.Unmarshal(payload, &n); err == nil {
			s.siteChangedHere(n.Site)
		}
	case NoticeAlias:
		var n AliasNotice
		if err := json.Unmarshal(payload, &n); err == nil {
			s.aliases.drop(n.Site)
		}
	case NoticeReset:
		s.aliases.reset()
		s.sites.reset()
		s.threads.reset()
	}
}
