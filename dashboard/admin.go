package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

func (h *Handler) sites(w http.ResponseWriter, r *http.Request, s *session) error {
	sites, err := h.Store.Sites(r.Context())
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "sites", s, "Sites", sites)
	return nil
}

// siteForm is a site's settings as the form shows them.
type siteForm struct {
	Site         comment.Site
	Origins      string
	BannedWords  string
	SuspectWords string
	// TrackingParams and EditMinutes are the lifecycle settings as typed.
	TrackingParams string
	EditMinutes    int
	Saved          bool
	Errors         []comment.FieldError
	Article        string
	// Test is the result of the settings' test box.
	Test *policyTest
}

func newSiteForm(site comment.Site) siteForm {
	if site.Mode == "" {
		site.Mode = comment.ModePremoderate
	}
	return siteForm{Site: site, Origins: strings.Join(site.Origins, "\n"),
		BannedWords: strings.Join(site.BannedWords, "\n"), SuspectWords: strings.Join(site.SuspectWords, "\n"),
		TrackingParams: strings.Join(site.TrackingParams, "\n"), EditMinutes: int(site.EditWindow / time.Minute)}
}

func (h *Handler) sitePage(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.Store.Site(r.Context(), r.PathValue("site"))
	if err != nil {
		return err
	}
	f := newSiteForm(site)
	f.Saved = r.URL.Query().Get("saved") == "1"
	h.render(w, r, http.StatusOK, "site", s, "Site "+site.ID, f)
	return nil
}

// splitList reads one entry per line (or comma-separated), dropping blanks and repeats.
func splitList(raw string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.FieldsFunc(raw, func(r rune) bool { return r == '\n' || r == ',' }) {
		v := strings.TrimSpace(line)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func normalizeOrigin(raw string) (string, bool) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	scheme, host, ok := strings.Cut(raw, "://")
	if !ok || (scheme != "http" && scheme != "https") || host == "" || strings.ContainsAny(host, "/?#@ \t") {
		return "", false
	}
	return strings.ToLower(scheme + "://" + host), true
}

func (h *Handler) saveSite(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.Store.Site(r.Context(), r.PathValue("site"))
	if err != nil {
		return err
	}
	var errs []comment.FieldError
	bad := func(field, msg string) { errs = append(errs, comment.FieldError{Field: field, Message: msg}) }
	form := siteForm{Origins: r.PostFormValue("origins"), BannedWords: r.PostFormValue("banned_words"), SuspectWords: r.PostFormValue("suspect_words"),
		TrackingParams: r.PostFormValue("tracking_params")}
	site.Origins = nil
	for _, o := range splitList(form.Origins) {
		n, ok := normalizeOrigin(o)
		if !ok {
			bad("origins", fmt.Sprintf("%q must look like https://news.example or http://localhost:8080", o))
			continue
		}
		site.Origins = append(site.Origins, n)
	}
	if len(site.Origins) == 0 && len(errs) == 0 {
		bad("origins", "at least one origin is required")
	}
	site.Mode = comment.Mode(r.PostFormValue("mode"))
	if site.Mode == "" || !site.Mode.Valid() {
		bad("mode", "must be premoderate, trusted or postmoderate")
	}
	for _, t := range []struct {
		field string
		dst   *float64
	}{{"flag_threshold", &site.FlagThreshold}, {"auto_reject_threshold", &site.AutoRejectThreshold}} {
		v := strings.TrimSpace(r.PostFormValue(t.field))
		if v == "" {
			*t.dst = 0
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			bad(t.field, "must be a number from 0 to 1 (0: the default)")
			continue
		}
		*t.dst = f
	}
	switch pf := r.PostFormValue("public_figures"); pf {
	case "", comment.PublicFiguresAllowed, comment.PublicFiguresAttack:
		site.PublicFigures = pf
	default:
		bad("public_figures", "must be allowed or attack")
	}
	if site.AutoRejectThreshold > 0 && site.FlagThreshold > 0 && site.AutoRejectThreshold < site.FlagThreshold {
		bad("auto_reject_threshold", "must not be below the flag threshold")
	}
	site.BannedWords, site.SuspectWords = splitList(form.BannedWords), splitList(form.SuspectWords)
	for field, list := range map[string][]string{"banned_words": site.BannedWords, "suspect_words": site.SuspectWords} {
		if len(list) > 1000 {
			bad(field, "must have at most 1000 entries")
		}
		for _, w := range list {
			if utf8.RuneCountInString(w) > 100 || !utf8.ValidString(w) {
				bad(field, "entries must be valid text of at most 100 characters")
				break
			}
		}
	}
	if v := strings.TrimSpace(r.PostFormValue("link_limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			bad("link_limit", "must be a whole number from 0 (no limit) to 100")
		} else {
			site.LinkLimit = n
		}
	} else {
		site.LinkLimit = 0
	}
	for _, n := range []struct {
		field    string
		min, max int
		dst      *int
		msg      string
	}{
		{"edit_minutes", 0, 7 * 24 * 60, &form.EditMinutes, "must be a whole number of minutes from 0 (the default, 15) to 10080"},
		{"report_hold", 0, 1000, &site.ReportHold, "must be a whole number from 0 (never hold) to 1000"},
		{"address_ban_days", 0, 365, &site.AddressBanDays, "must be a whole number of days from 0 (the default, 7) to 365"},
	} {
		v := strings.TrimSpace(r.PostFormValue(n.field))
		if v == "" {
			*n.dst = 0
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < n.min || i > n.max {
			bad(n.field, n.msg)
			continue
		}
		*n.dst = i
	}
	site.EditWindow = time.Duration(form.EditMinutes) * time.Minute
	site.TrackingParams = splitList(form.TrackingParams)
	for _, p := range site.TrackingParams {
		if len(p) > 100 || strings.ContainsAny(p, "&=#? \t") {
			bad("tracking_params", fmt.Sprintf("%q is not a query parameter name", p))
			break
		}
	}
	if len(errs) > 0 {
		form.Site, form.Errors = site, errs
		h.render(w, r, http.StatusUnprocessableEntity, "site", s, "Site "+site.ID, form)
		return nil
	}
	errs = append(errs, parsePolicyForm(r, &site)...)
	if len(errs) > 0 {
		form.Site, form.Errors = site, errs
		h.render(w, r, http.StatusUnprocessableEntity, "site", s, "Site "+site.ID, form)
		return nil
	}
	// Through the desk: audited, and every instance drops its cached copy
	// of the site.
	if err := h.Desk.SetSitePolicy(r.Context(), site, s.Moderator.Name); err != nil {
		var ce *comment.Error
		if errors.As(err, &ce) && ce.Code == comment.CodeInvalid {
			form.Site, form.Errors = site, ce.Fields
			h.render(w, r, http.StatusUnprocessableEntity, "site", s, "Site "+site.ID, form)
			return nil
		}
		return err
	}
	http.Redirect(w, r, "/admin/sites/"+site.ID+"?saved=1", http.StatusSeeOther)
	return nil
}

// articleState opens or closes one article of a site to new comments.
func (h *Handler) articleState(w http.ResponseWriter, r *http.Request, s *session) error {
	siteID := r.PathValue("site")
	url := strings.TrimSpace(r.PostFormValue("url"))
	var closed bool
	switch r.PostFormValue("state") {
	case "closed":
		closed = true
	case "open":
	default:
		return comment.Invalid(comment.FieldError{Field: "state", Message: "must be open or closed"})
	}
	if url == "" {
		return comment.Invalid(comment.FieldError{Field: "url", Message: "is required"})
	}
	if err := h.Desk.SetArticleClosed(r.Context(), siteID, url, closed, s.Moderator.Name); err != nil {
		if comment.ErrorCode(err) == comment.CodeNotFound {
			return &comment.Error{Code: comment.CodeNotFound, Message: "No article with this URL has comments on this site.",
				Fields: []comment.FieldError{{Field: "url", Message: "is not an article of this site"}}}
		}
		return err
	}
	http.Redirect(w, r, "/admin/sites/"+siteID+"?saved=1", http.StatusSeeOther)
	return nil
}

type moderatorsData struct {
	Moderators []comment.Moderator
	Message    string
	Errors     []comment.FieldError
	tokensData
}

func (h *Handler) moderators(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.renderModerators(w, r, s, http.StatusOK, r.URL.Query().Get("done"), nil)
}

func (h *Handler) renderModerators(w http.ResponseWriter, r *http.Request, s *session, status int, msg string, errs []comment.FieldError) error {
	ms, err := h.Store.Moderators(r.Context())
	if err != nil {
		return err
	}
	return h.renderModeratorsData(w, r, s, status, moderatorsData{Moderators: ms, Message: msg, Errors: errs})
}

func checkPassword(p string) string {
	if utf8.RuneCountInString(p) < 8 {
		return "must be at least 8 characters"
	}
	if len(p) > 200 {
		return "must be at most 200 bytes"
	}
	return ""
}

func (h *Handler) addModerator(w http.ResponseWriter, r *http.Request, s *session) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role := comment.Role(r.PostFormValue("role"))
	password := r.PostFormValue("password")
	var errs []comment.FieldError
	if name == "" || utf8.RuneCountInString(name) > 64 || strings.ContainsAny(name, " \t\r\n/") {
		errs = append(errs, comment.FieldError{Field: "name", Message: "is required: up to 64 characters, no spaces or slashes"})
	}
	if !role.Valid() {
		errs = append(errs, comment.FieldError{Field: "role", Message: "must be admin or moderator"})
	}
	if msg := checkPassword(password); msg != "" {
		errs = append(errs, comment.FieldError{Field: "password", Message: msg})
	}
	sites, err := h.siteList(r)
	if err != nil {
		errs = append(errs, comment.FieldError{Field: "sites", Message: err.Error()})
	}
	sealed, emailErrs := h.newModeratorEmail(r)
	errs = append(errs, emailErrs...)
	if len(errs) > 0 {
		return h.renderModerators(w, r, s, http.StatusUnprocessableEntity, "", errs)
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := h.Store.CreateModerator(r.Context(), comment.Moderator{Name: name, Role: role, PasswordHash: hash, Sites: sites, CreatedAt: h.Now().UTC()}); err != nil {
		if comment.ErrorCode(err) == comment.CodeConflict {
			return h.renderModerators(w, r, s, http.StatusConflict, "", []comment.FieldError{{Field: "name", Message: "is taken"}})
		}
		return err
	}
	if sealed != nil {
		if err := h.Desk.SetModeratorMail(r.Context(), name, sealed, r.PostFormValue("digest")); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/admin/moderators?done="+urlQuery("Added "+name+"."), http.StatusSeeOther)
	return nil
}

// siteList reads the form's "sites" (comma-separated site IDs; empty:
// every site) and checks each is a site.
func (h *Handler) siteList(r *http.Request) ([]string, error) {
	ids := splitList(r.PostFormValue("sites"))
	for _, id := range ids {
		if _, err := h.Store.Site(r.Context(), id); err != nil {
			if comment.ErrorCode(err) == comment.CodeNotFound {
				return nil, fmt.Errorf("%q is not a site this server knows", id)
			}
			return nil, err
		}
	}
	return ids, nil
}

func (h *Handler) setModeratorSites(w http.ResponseWriter, r *http.Request, s *session) error {
	name := r.PathValue("name")
	sites, err := h.siteList(r)
	if err != nil {
		return h.renderModerators(w, r, s, http.StatusUnprocessableEntity, "", []comment.FieldError{{Field: "sites", Message: err.Error()}})
	}
	if err := h.Store.SetModeratorSites(r.Context(), name, sites); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/moderators?done="+urlQuery("Sites set for "+name+"."), http.StatusSeeOther)
	return nil
}

func (h *Handler) setDisabled(w http.ResponseWriter, r *http.Request, s *session, disabled bool) error {
	name := r.PathValue("name")
	if disabled && name == s.Moderator.Name {
		return comment.Invalid(comment.FieldError{Field: "name", Message: "you cannot disable your own account"})
	}
	if err := h.Store.SetModeratorDisabled(r.Context(), name, disabled); err != nil {
		return err
	}
	verb := "Enabled "
	if disabled {
		verb = "Disabled "
	}
	http.Redirect(w, r, "/admin/moderators?done="+urlQuery(verb+name+"."), http.StatusSeeOther)
	return nil
}

func (h *Handler) disableModerator(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.setDisabled(w, r, s, true)
}

func (h *Handler) enableModerator(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.setDisabled(w, r, s, false)
}

func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request, s *session) error {
	name := r.PathValue("name")
	password := r.PostFormValue("password")
	if msg := checkPassword(password); msg != "" {
		return h.renderModerators(w, r, s, http.StatusUnprocessableEntity, "", []comment.FieldError{{Field: "password", Message: msg}})
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return err
	}
	// Every other session and token of the account ends; an admin changing
	// their own password keeps the session they are using.
	if err := h.Store.ReplacePassword(r.Context(), name, hash, h.ownSession(r, s, name)); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/moderators?done="+urlQuery("New password set for "+name+"."), http.StatusSeeOther)
	return nil
}
