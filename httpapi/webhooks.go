package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/webhook"
)

// WebhookJSON is a webhook as the API shows it; the secret only once, in
// the answer that created it.
type WebhookJSON struct {
	ID        int64    `json:"id"`
	Site      string   `json:"site"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Format    string   `json:"format"`
	Enabled   bool     `json:"enabled"`
	CreatedAt string   `json:"created_at"`
	Secret    string   `json:"secret,omitempty"`
}

// NewWebhookJSON shows w.
func NewWebhookJSON(w comment.Webhook) WebhookJSON {
	evs := w.Events
	if evs == nil {
		evs = []string{}
	}
	return WebhookJSON{ID: w.ID, Site: w.SiteID, URL: w.URL, Events: evs, Format: w.Format, Enabled: w.Enabled, CreatedAt: timestamp(w.CreatedAt)}
}

// DeliveryJSON is one call of a webhook.
type DeliveryJSON struct {
	ID          int64  `json:"id"`
	Event       string `json:"event"`
	DeliveryID  string `json:"delivery_id"`
	CommentID   int64  `json:"comment_id,omitempty"`
	Status      string `json:"status"` // delivered, failed, retrying, pending
	Attempts    int    `json:"attempts"`
	CreatedAt   string `json:"created_at"`
	NextAttempt string `json:"next_attempt,omitempty"`
	SentAt      string `json:"sent_at,omitempty"`
	LastError   string `json:"last_error,omitempty"`
}

// NewDeliveryJSON shows a webhook outbox item.
func NewDeliveryJSON(it comment.OutboxItem) DeliveryJSON {
	d := DeliveryJSON{ID: it.ID, Event: it.Topic, DeliveryID: strings.Trim(it.MessageID, "<>"), CommentID: it.CommentID,
		Status: webhook.DeliveryStatus(it), Attempts: it.Attempts, CreatedAt: timestamp(it.CreatedAt), LastError: it.LastError}
	if it.SentAt.IsZero() {
		d.NextAttempt = timestamp(it.NextAttempt)
	} else {
		d.SentAt = timestamp(it.SentAt)
	}
	return d
}

// webhookRequest is a new or changed webhook; absent fields of a change
// stay as they are.
type webhookRequest struct {
	URL     *string   `json:"url"`
	Secret  *string   `json:"secret"`
	Events  *[]string `json:"events"`
	Format  *string   `json:"format"`
	Enabled *bool     `json:"enabled"`
}

func (q webhookRequest) input() desk.WebhookInput {
	return desk.WebhookInput{URL: q.URL, Secret: q.Secret, Events: q.Events, Format: q.Format, Enabled: q.Enabled}
}

// adminSite returns the site of a /admin/sites/{site}/... route when the
// moderator may manage it (siteForAdmin).
func (s *Server) adminSite(r *http.Request) (string, error) {
	site, _, err := s.siteForAdmin(r, "site")
	return site.ID, err
}

// siteForAdmin returns the site named by the path parameter param, and the
// moderator, when the moderator is an admin who may see the site: site
// settings (webhooks, data requests, policy) are admins'. A refusal or an
// unknown site names param.
func (s *Server) siteForAdmin(r *http.Request, param string) (comment.Site, comment.Moderator, error) {
	m, _ := ModeratorFrom(r.Context())
	id := r.PathValue(param)
	if m.Role != comment.RoleAdmin || !m.MaySee(id) {
		return comment.Site{}, m, &comment.Error{Code: comment.CodeForbidden, Message: "Only admins of this site manage its settings.",
			Fields: []comment.FieldError{{Field: param, Message: "is managed by its admins only"}}}
	}
	site, err := s.Store.Site(r.Context(), id)
	if comment.ErrorCode(err) == comment.CodeNotFound {
		return site, m, &comment.Error{Code: comment.CodeNotFound, Message: "No site " + strconv.Quote(id) + ".",
			Fields: []comment.FieldError{{Field: param, Message: "is not a site of this server"}}}
	}
	return site, m, err
}

// adminWebhook returns the site and webhook ID of a
// /admin/sites/{site}/webhooks/{id} route, for an admin of the site.
func (s *Server) adminWebhook(r *http.Request) (string, int64, error) {
	site, err := s.adminSite(r)
	if err != nil {
		return "", 0, err
	}
	id, err := webhookID(r)
	return site, id, err
}

func webhookID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("The webhook ID must be a positive integer.", comment.FieldError{Field: "id", Message: "must be a positive integer"})
	}
	return id, nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	site, err := s.adminSite(r)
	if err != nil {
		return err
	}
	hooks, err := s.Store.SiteWebhooks(r.Context(), site)
	if err != nil {
		return err
	}
	out := make([]WebhookJSON, 0, len(hooks))
	for _, h := range hooks {
		out = append(out, NewWebhookJSON(h))
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out, "events": comment.WebhookEvents})
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	site, err := s.adminSite(r)
	if err != nil {
		return err
	}
	var req webhookRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	h, plain, err := s.Desk.CreateWebhook(r.Context(), s.Keys, site, req.input())
	if err != nil {
		return err
	}
	out := NewWebhookJSON(h)
	out.Secret = plain
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	site, id, err := s.adminWebhook(r)
	if err != nil {
		return err
	}
	h, err := s.Desk.SiteWebhook(r.Context(), site, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NewWebhookJSON(h))
	return nil
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	site, id, err := s.adminWebhook(r)
	if err != nil {
		return err
	}
	var req webhookRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	h, err := s.Desk.UpdateWebhook(r.Context(), s.Keys, site, id, req.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NewWebhookJSON(h))
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	site, id, err := s.adminWebhook(r)
	if err != nil {
		return err
	}
	if err := s.Desk.DeleteWebhook(r.Context(), site, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) error {
	site, id, err := s.adminWebhook(r)
	if err != nil {
		return err
	}
	it, err := s.Desk.TestWebhook(r.Context(), site, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"event": it.Topic, "delivery_id": strings.Trim(it.MessageID, "<>")})
	return nil
}

func (s *Server) webhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	site, id, err := s.adminWebhook(r)
	if err != nil {
		return err
	}
	if _, err := s.Desk.SiteWebhook(r.Context(), site, id); err != nil {
		return err
	}
	items, err := s.Desk.WebhookDeliveries(r.Context(), site, id, 20)
	if err != nil {
		return err
	}
	out := make([]DeliveryJSON, 0, len(items))
	for _, it := range items {
		out = append(out, NewDeliveryJSON(it))
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
	return nil
}
