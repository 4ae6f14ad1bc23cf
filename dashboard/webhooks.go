package dashboard

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/httpapi"
)

// webhookView is one webhook with its last deliveries.
type webhookView struct {
	Hook       comment.Webhook
	EventSet   map[string]bool
	Deliveries []httpapi.DeliveryJSON
}

// webhooksPage is the data of the site's Webhooks and data requests page.
type webhooksPage struct {
	Site      string
	Hooks     []webhookView
	Events    []string
	NewSecret string // shown once, after creating
	Message   string
	Errors    []comment.FieldError
	// Form keeps what was typed into the new-webhook form after a refusal.
	Form struct {
		URL    string
		Events map[string]bool
		Format string
	}
	DataEmail string
}

func (h *Handler) webhooksView(r *http.Request, site string) (webhooksPage, error) {
	p := webhooksPage{Site: site, Events: comment.WebhookEvents}
	p.Form.Format = comment.WebhookJSON
	hooks, err := h.Store.SiteWebhooks(r.Context(), site)
	if err != nil {
		return p, err
	}
	for _, hk := range hooks {
		items, err := h.Desk.WebhookDeliveries(r.Context(), site, hk.ID, 20)
		if err != nil {
			return p, err
		}
		v := webhookView{Hook: hk, EventSet: map[string]bool{}}
		for _, e := range hk.Events {
			v.EventSet[e] = true
		}
		for _, it := range items {
			v.Deliveries = append(v.Deliveries, httpapi.NewDeliveryJSON(it))
		}
		p.Hooks = append(p.Hooks, v)
	}
	p.Message = r.URL.Query().Get("done")
	return p, nil
}

func (h *Handler) renderWebhooks(w http.ResponseWriter, r *http.Request, s *session, status int, p webhooksPage) {
	h.render(w, r, status, "webhooks", s, "Webhooks and data requests: "+p.Site, p)
}

func (h *Handler) siteOf(r *http.Request) (string, error) {
	site, err := h.Store.Site(r.Context(), r.PathValue("site"))
	return site.ID, err
}

func (h *Handler) webhooks(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.siteOf(r)
	if err != nil {
		return err
	}
	p, err := h.webhooksView(r, site)
	if err != nil {
		return err
	}
	h.renderWebhooks(w, r, s, http.StatusOK, p)
	return nil
}

func (h *Handler) backToWebhooks(w http.ResponseWriter, r *http.Request, site, msg string) {
	http.Redirect(w, r, "/admin/sites/"+site+"/webhooks?done="+url.QueryEscape(msg), http.StatusSeeOther)
}

// refused shows the page again with the refusal's fields, or returns
// errors that are not a refusal.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, s *session, site string, err error, keep func(*webhooksPage)) error {
	if comment.ErrorCode(err) != comment.CodeInvalid {
		return err
	}
	p, verr := h.webhooksView(r, site)
	if verr != nil {
		return verr
	}
	p.Message = ""
	var ce *comment.Error
	if errors.As(err, &ce) {
		p.Errors = ce.Fields
	}
	if keep != nil {
		keep(&p)
	}
	h.renderWebhooks(w, r, s, http.StatusUnprocessableEntity, p)
	return nil
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.siteOf(r)
	if err != nil {
		return err
	}
	u, format, secret := r.PostFormValue("url"), r.PostFormValue("format"), r.PostFormValue("secret")
	events := r.PostForm["events"]
	in := desk.WebhookInput{URL: &u, Events: &events, Format: &format}
	if secret != "" {
		in.Secret = &secret
	}
	hk, plain, err := h.Desk.CreateWebhook(r.Context(), h.Keys, site, in)
	if err != nil {
		return h.refused(w, r, s, site, err, func(p *webhooksPage) {
			p.Form.URL, p.Form.Format, p.Form.Events = u, format, map[string]bool{}
			for _, e := range events {
				p.Form.Events[e] = true
			}
		})
	}
	p, err := h.webhooksView(r, site)
	if err != nil {
		return err
	}
	p.Message = "Webhook " + strconv.FormatInt(hk.ID, 10) + " added. Copy its secret now: it is not shown again."
	p.NewSecret = plain
	h.renderWebhooks(w, r, s, http.StatusCreated, p)
	return nil
}

func formID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, comment.Invalid(comment.FieldError{Field: "id", Message: "must be a positive integer"})
	}
	return id, nil
}

func (h *Handler) updateWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.siteOf(r)
	if err != nil {
		return err
	}
	id, err := formID(r)
	if err != nil {
		return err
	}
	u, format := r.PostFormValue("url"), r.PostFormValue("format")
	events := r.PostForm["events"]
	enabled := r.PostFormValue("enabled") == "on"
	in := desk.WebhookInput{URL: &u, Events: &events, Format: &format, Enabled: &enabled}
	if sec := r.PostFormValue("secret"); sec != "" {
		in.Secret = &sec
	}
	if _, err := h.Desk.UpdateWebhook(r.Context(), h.Keys, site, id, in); err != nil {
		return h.refused(w, r, s, site, err, nil)
	}
	h.backToWebhooks(w, r, site, "Webhook "+strconv.FormatInt(id, 10)+" saved.")
	return nil
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.siteOf(r)
	if err != nil {
		return err
	}
	id, err := formID(r)
	if err != nil {
		return err
	}
	if err := h.Desk.DeleteWebhook(r.Context(), site, id); err != nil {
		return err
	}
	h.backToWebhooks(w, r, site, "Webhook "+strconv.FormatInt(id, 10)+" deleted.")
	return nil
}

func (h *Handler) testWebhook(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.siteOf(r)
	if err != nil {
		return err
	}
	id, err := formID(r)
	if err != nil {
		return err
	}
	if _, err := h.Desk.TestWebhook(r.Context(), site, id); err != nil {
		return err
	}
	h.backToWebhooks(w, r, site, "Test call to webhook "+strconv.FormatInt(id, 10)+" queued; it shows below once sent.")
	return nil
}

// dataRequest runs a data request that came by post: export (a JSON
// download) or erase.
func (h *Handler) dataRequest(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.siteOf(r)
	if err != nil {
		return err
	}
	email := r.PostFormValue("email")
	if msg := desk.CheckEmail(email); msg != "" {
		return h.refused(w, r, s, site, comment.Invalid(comment.FieldError{Field: "email", Message: msg}), func(p *webhooksPage) { p.DataEmail = email })
	}
	emailHMAC := h.Keys.EmailHMAC(email)
	switch r.PostFormValue("action") {
	case "export":
		d, err := h.Desk.ExportData(r.Context(), site, emailHMAC, s.Moderator.Name)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="parley-data-`+site+`.json"`)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(httpapi.NewDataExport(site, d, h.Now()))
	case "erase":
		e, err := h.Desk.EraseData(r.Context(), site, emailHMAC, s.Moderator.Name)
		if err != nil {
			return err
		}
		out := httpapi.NewErasureJSON(e)
		h.backToWebhooks(w, r, site, "Erased: "+strconv.Itoa(out.Deleted)+" comment(s) deleted, "+strconv.Itoa(out.Anonymised)+
			" anonymised, "+strconv.Itoa(out.Reports)+" report(s) deleted.")
		return nil
	}
	return h.refused(w, r, s, site, comment.Invalid(comment.FieldError{Field: "action", Message: "must be export or erase"}), func(p *webhooksPage) { p.DataEmail = email })
}
