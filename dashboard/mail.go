package dashboard

import (
	"context"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
)

// MailPreviewer renders an outbox email for the Mail page (package mail's
// Sender); nil: items are listed without their text.
type MailPreviewer interface {
	Preview(ctx context.Context, it comment.OutboxItem) (to, subject, text string, err error)
	// Sends reports whether a mail server (or the demo's catcher) is
	// configured; false: messages wait in the outbox.
	Sends() bool
}

// mailRoutes are the Mail page and its forms.
func (h *Handler) mailRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/admin/mail", handler: h.mailPage},
		{Method: "POST", Pattern: "/admin/mail/me", handler: h.saveMyMail},
		{Method: "POST", Pattern: "/admin/mail/alert", Admin: true, handler: h.saveMailAlert},
	}
}

type mailItem struct {
	Item             comment.OutboxItem
	To, Subject      string
	Text             string
	Problem          string // why it cannot be rendered now
	Waiting, Dropped bool
}

type mailData struct {
	Backlog   map[string]int
	Items     []mailItem
	Admin     bool
	HasSender bool
	// The moderator's own settings.
	MyEmail  string
	MyDigest string
	Digests  []string
	Sites    []comment.Site
	Message  string
	Errors   []comment.FieldError
}

func (h *Handler) mailPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.renderMail(w, r, s, http.StatusOK, r.URL.Query().Get("done"), nil)
}

func (h *Handler) renderMail(w http.ResponseWriter, r *http.Request, s *session, status int, msg string, errs []comment.FieldError) error {
	ctx := r.Context()
	d := mailData{Admin: s.Moderator.Role == comment.RoleAdmin, HasSender: h.Mail != nil && h.Mail.Sends(), Message: msg, Errors: errs,
		Digests: []string{"off", comment.DigestHourly, comment.DigestDaily}, MyDigest: "off"}
	mms, err := h.Store.ModeratorMails(ctx)
	if err != nil {
		return err
	}
	for _, mm := range mms {
		if mm.ModeratorID == s.Moderator.ID {
			if len(mm.EmailCipher) > 0 {
				d.MyEmail, _ = h.Keys.DecryptEmail(mm.EmailCipher)
			}
			if mm.Digest != "" {
				d.MyDigest = mm.Digest
			}
		}
	}
	if d.Admin {
		if d.Backlog, err = h.Store.OutboxBacklog(ctx); err != nil {
			return err
		}
		if d.Sites, err = h.Store.Sites(ctx); err != nil {
			return err
		}
		items, err := h.Store.OutboxItems(ctx, comment.OutboxFilter{Kind: comment.OutboxEmail, Limit: 100})
		if err != nil {
			return err
		}
		for _, it := range items {
			mi := mailItem{Item: it, Waiting: it.SentAt.IsZero(), Dropped: !it.SentAt.IsZero() && it.LastError != ""}
			if h.Mail != nil {
				mi.To, mi.Subject, mi.Text, err = h.Mail.Preview(ctx, it)
				if err != nil {
					mi.Problem = err.Error()
				}
			}
			d.Items = append(d.Items, mi)
		}
	}
	h.render(w, r, status, "mail", s, "Mail", d)
	return nil
}

func (h *Handler) saveMyMail(w http.ResponseWriter, r *http.Request, s *session) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	digest := r.PostFormValue("digest")
	var sealed []byte
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Name != "" || a.Address != email {
			return h.renderMail(w, r, s, http.StatusUnprocessableEntity, "", []comment.FieldError{{Field: "email", Message: "must be an address like name@example.com"}})
		}
		var err error
		if sealed, err = h.Keys.EncryptEmail(email); err != nil {
			return err
		}
	}
	if err := h.Desk.SetModeratorMail(r.Context(), s.Moderator.Name, sealed, digest); err != nil {
		if ce, ok := err.(*comment.Error); ok && ce.Code == comment.CodeInvalid {
			return h.renderMail(w, r, s, http.StatusUnprocessableEntity, "", ce.Fields)
		}
		return err
	}
	http.Redirect(w, r, "/admin/mail?done="+urlQuery("Your email settings are saved."), http.StatusSeeOther)
	return nil
}

func (h *Handler) saveMailAlert(w http.ResponseWriter, r *http.Request, s *session) error {
	site := r.PostFormValue("site")
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("alert_minutes")))
	if err != nil {
		return h.renderMail(w, r, s, http.StatusUnprocessableEntity, "", []comment.FieldError{{Field: "alert_minutes", Message: "must be a whole number of minutes (0: no alert)"}})
	}
	if err := h.Desk.SetMailSettings(r.Context(), site, comment.MailSettings{AlertMinutes: n}); err != nil {
		if ce, ok := err.(*comment.Error); ok && ce.Code == comment.CodeInvalid {
			return h.renderMail(w, r, s, http.StatusUnprocessableEntity, "", ce.Fields)
		}
		return err
	}
	http.Redirect(w, r, "/admin/mail?done="+urlQuery("Queue alert of "+site+" saved."), http.StatusSeeOther)
	return nil
}

// newModeratorEmail reads the Add a moderator form's optional email and
// digest: the sealed address (nil when none) or the fields' errors.
func (h *Handler) newModeratorEmail(r *http.Request) ([]byte, []comment.FieldError) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	digest := r.PostFormValue("digest")
	var errs []comment.FieldError
	if err := desk.CheckDigest(strings.Replace(digest, "off", "", 1)); err != nil {
		errs = append(errs, comment.FieldError{Field: "digest", Message: "must be off, hourly or daily"})
	}
	if email == "" {
		return nil, errs
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Name != "" || a.Address != email {
		return nil, append(errs, comment.FieldError{Field: "email", Message: "must be empty or an address like name@example.com"})
	}
	sealed, err := h.Keys.EncryptEmail(email)
	if err != nil {
		return nil, append(errs, comment.FieldError{Field: "email", Message: "could not be stored"})
	}
	return sealed, errs
}
