package httpapi

import (
	"html/template"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
)

// DataExport is everything a site holds about one commenter (GDPR Art. 15).
type DataExport struct {
	Site        string            `json:"site"`
	GeneratedAt string            `json:"generated_at"`
	Comments    []ExportedComment `json:"comments"`
	Reports     []ExportedReport  `json:"reports"`
	Standing    ExportedStanding  `json:"standing"`
	Notes       map[string]string `json:"notes"`
}

// ExportedComment is one of their comments, in any status.
type ExportedComment struct {
	ID           int64          `json:"id"`
	ArticleURL   string         `json:"article_url"`
	ArticleTitle string         `json:"article_title"`
	ParentID     int64          `json:"parent_id,omitempty"`
	RevisionOf   int64          `json:"revision_of,omitempty"`
	Name         string         `json:"name"`
	Website      string         `json:"website,omitempty"`
	Body         string         `json:"body"`
	Status       comment.Status `json:"status"`
	Reason       comment.Reason `json:"reason,omitempty"`
	CreatedAt    string         `json:"created_at"`
	DecidedAt    string         `json:"decided_at,omitempty"`
	EditedAt     string         `json:"edited_at,omitempty"`
	// SignedInAs is the newsroom account (the sign-in token's subject) the
	// comment was posted under, when it was.
	SignedInAs string `json:"signed_in_as,omitempty"`
}

// ExportedReport is a report they filed.
type ExportedReport struct {
	CommentID   int64                `json:"comment_id"`
	Reason      comment.ReportReason `json:"reason"`
	Explanation string               `json:"explanation,omitempty"`
	Name        string               `json:"name,omitempty"`
	CreatedAt   string               `json:"created_at"`
}

// ExportedStanding is their standing and history on the site.
type ExportedStanding struct {
	Standing   string `json:"standing"` // none, trusted or banned
	Until      string `json:"until,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Verified   bool   `json:"verified"`
	VerifiedBy string `json:"verified_by,omitempty"`
	Approved   int    `json:"approved"`
	Rejected   int    `json:"rejected"`
	Pending    int    `json:"pending"`
	FirstSeen  string `json:"first_seen,omitempty"`
}

func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return timestamp(t)
}

// NewDataExport shows what a site holds about a commenter.
func NewDataExport(site string, d comment.CommenterData, now time.Time) DataExport {
	out := DataExport{Site: site, GeneratedAt: timestamp(now), Comments: []ExportedComment{}, Reports: []ExportedReport{},
		Notes: map[string]string{
			"email":   "Your email address is kept encrypted, with a keyed hash to match your comments; neither is shown here or anywhere public.",
			"address": "A keyed hash of your network address is kept with each comment for at most the server's retention period, against abuse.",
		}}
	for _, c := range d.Comments {
		out.Comments = append(out.Comments, ExportedComment{ID: c.ID, ArticleURL: c.ArticleURL, ArticleTitle: c.ArticleTitle,
			ParentID: c.ParentID, RevisionOf: c.RevisionOf, Name: c.AuthorName, Website: c.AuthorWebsite, Body: c.Body,
			Status: c.Status, Reason: c.Reason, CreatedAt: timestamp(c.CreatedAt), DecidedAt: optTime(c.DecidedAt), EditedAt: optTime(c.EditedAt),
			SignedInAs: c.SSOSub})
	}
	for _, r := range d.Reports {
		out.Reports = append(out.Reports, ExportedReport{CommentID: r.CommentID, Reason: r.Reason, Explanation: r.Explanation,
			Name: r.Name, CreatedAt: timestamp(r.CreatedAt)})
	}
	st := string(d.Commenter.Standing)
	if st == "" {
		st = "none"
	}
	out.Standing = ExportedStanding{Standing: st, Until: optTime(d.Commenter.StandingUntil), Reason: d.Commenter.StandingReason,
		Verified: d.Commenter.Verified, VerifiedBy: d.Commenter.VerifiedBy, Approved: d.Commenter.Approved,
		Rejected: d.Commenter.Rejected, Pending: d.Commenter.Pending, FirstSeen: optTime(d.Commenter.FirstSeen)}
	return out
}

// ErasureJSON says what an erasure did.
type ErasureJSON struct {
	Deleted    int `json:"deleted"`
	Anonymised int `json:"anonymised"`
	Reports    int `json:"reports"`
}

// NewErasureJSON shows an erasure.
func NewErasureJSON(e comment.Erasure) ErasureJSON {
	return ErasureJSON{Deleted: len(e.Deleted), Anonymised: len(e.Anonymised), Reports: e.Reports}
}

type dataRequest struct {
	Site  string `json:"site"`
	Email string `json:"email"`
	Lang  string `json:"lang"`
}

// dataRequestAnswer is the same whether or not the email is known.
var dataRequestAnswer = map[string]string{"status": "sent",
	"message": "A link to see, export or delete your data on this site was sent to that address. It works for 24 hours."}

// requestData sends the data-request email. Rate limited per address and
// per email; the answer never says whether the email commented.
func (s *Server) requestData(w http.ResponseWriter, r *http.Request) error {
	var req dataRequest
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		// The reader's own form (dataRequestForm): answered with a page.
		r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBytes)
		if err := r.ParseForm(); err != nil {
			return badRequest("The form could not be read.")
		}
		req = dataRequest{Site: r.PostForm.Get("site"), Email: r.PostForm.Get("email"), Lang: r.PostForm.Get("lang")}
		if err := s.sendDataRequest(r, req); err != nil {
			status, msg := s.errorPage(w, r, err)
			return renderDataRequestPage(w, status, dataRequestPageData{Site: req.Site, Email: req.Email, Lang: req.Lang, Error: msg})
		}
		return renderDataRequestPage(w, http.StatusAccepted, dataRequestPageData{Site: req.Site, Sent: true})
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Site != "" {
		if site, err := s.Store.Site(r.Context(), req.Site); err == nil {
			if err := checkOrigin(w, r, site); err != nil {
				return err
			}
		}
	}
	if err := s.sendDataRequest(r, req); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, dataRequestAnswer)
	return nil
}

// sendDataRequest queues the data-request email, rate limited per client
// address and per email.
func (s *Server) sendDataRequest(r *http.Request, req dataRequest) error {
	now := s.Now()
	for _, key := range []string{"ip:" + s.rateKey(s.ClientIP(r)), "email:" + string(s.Keys.EmailHMAC(req.Email))} {
		ok, wait, err := s.dataRequests.Allow(r.Context(), key, now)
		if err != nil {
			return err
		}
		if !ok {
			return comment.TooMany("data requests", wait)
		}
	}
	_, err := s.Desk.RequestData(r.Context(), s.Keys, s.BaseURL, req.Site, req.Email, req.Lang)
	return err
}

// dataRequestForm is the page a newsroom links for its readers ("your
// data"): an email field for one site; sending it posts the form to
// POST /api/v1/data-requests, which answers with a page.
func (s *Server) dataRequestForm(w http.ResponseWriter, r *http.Request) error {
	site := r.URL.Query().Get("site")
	if _, err := s.Store.Site(r.Context(), site); err != nil {
		if comment.ErrorCode(err) != comment.CodeNotFound {
			return err
		}
		return renderDataRequestPage(w, http.StatusNotFound, dataRequestPageData{Error: "This page needs the name of one of this server's sites (?site=…)."})
	}
	lang := "en"
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "fr") {
		lang = "fr"
	}
	return renderDataRequestPage(w, http.StatusOK, dataRequestPageData{Site: site, Lang: lang})
}

// errorPage gives an error's status and the line a page shows for it
// (problemFor's message, then each field named with what is wrong with it).
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, err error) (int, string) {
	p := s.problemFor(w, r, err)
	if p.Status >= 500 {
		return p.Status, "Something went wrong on our side; please try again in a few minutes."
	}
	msg := p.Detail
	for _, f := range p.Errors {
		msg += " The " + f.Field + " " + f.Message + "."
	}
	return p.Status, msg
}

type dataRequestPageData struct {
	Site, Email, Lang, Error string
	Sent                     bool
}

func renderDataRequestPage(w http.ResponseWriter, status int, d dataRequestPageData) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	return dataRequestPage.Execute(w, d)
}

var dataRequestPage = template.Must(template.New("data-request").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your data on {{if .Site}}{{.Site}}{{else}}this site{{end}}</title>
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
label{display:block;font-weight:600;margin-top:1rem}input,select{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;border:1px solid #555;border-radius:4px}
button{font:inherit;margin-top:1rem;padding:.5rem 1rem;background:#0645ad;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
.error{color:#a40000;font-weight:600}</style></head>
<body><main>
<h1>Your data on {{if .Site}}{{.Site}}{{else}}this site{{end}}</h1>
{{if .Sent}}<p role="status">If this address has commented on {{.Site}}, a message is on its way with two links, valid for 24 hours: one to download everything the site holds about you, one to delete it.</p>
{{else}}{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
{{if .Site}}<p>Type the email address you comment with. We send that address two links: one to download everything this site holds about you (your comments, your reports, your standing), one to delete it. Nobody learns from this page whether an address has commented.</p>
<form method="post" action="/api/v1/data-requests">
<input type="hidden" name="site" value="{{.Site}}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required value="{{.Email}}">
<label for="lang">Language of the message</label>
<select id="lang" name="lang"><option value="en"{{if ne .Lang "fr"}} selected{{end}}>English</option><option value="fr"{{if eq .Lang "fr"}} selected{{end}}>Français</option></select>
<button type="submit">Email me the links</button>
</form>{{end}}{{end}}
</main></body></html>
`))

// exportData answers a data-request link with the JSON export.
func (s *Server) exportData(w http.ResponseWriter, r *http.Request) error {
	site, hmac, err := s.Desk.OpenDataLink(s.Keys, r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	d, err := s.Desk.ExportData(r.Context(), site, hmac, desk.Author)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="parley-data-`+safeName(site)+`.json"`)
	writeJSON(w, http.StatusOK, NewDataExport(site, d, s.Now()))
	return nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

var erasePage = template.Must(template.New("erase").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
button{font:inherit;padding:.5rem 1rem;background:#a40000;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}a{color:#0645ad}</style></head>
<body><main>
<h1>{{.Title}}</h1>
{{if .Done}}<p>Done: {{.Done.Deleted}} comment(s) deleted, {{.Done.Anonymised}} kept as “Former commenter” without their text because others replied to them, {{.Done.Reports}} report(s) deleted. Nothing else about you is held on site {{.Site}}.</p>
{{else}}<p>This deletes everything site <strong>{{.Site}}</strong> holds about you: your comments, the reports you filed, and your standing. Where another reader replied to one of your comments, it stays as “Former commenter” without its text, so that their reply still makes sense. This cannot be undone.</p>
<p><a href="{{.Export}}">Download your data first (JSON)</a></p>
<form method="post" action="/api/v1/data-requests/erase"><input type="hidden" name="token" value="{{.Token}}">
<button type="submit">Delete everything</button></form>{{end}}
</main></body></html>
`))

type erasePageData struct {
	Title, Site, Token, Export string
	Done                       *ErasureJSON
}

// erasePrompt shows the page that asks before erasing (a GET never
// erases: mail scanners follow links).
func (s *Server) erasePrompt(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	site, _, err := s.Desk.OpenDataLink(s.Keys, token)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	return erasePage.Execute(w, erasePageData{Title: "Delete your data", Site: site, Token: token,
		Export: "/api/v1/data-requests/export?token=" + template.URLQueryEscaper(token)})
}

// eraseData erases, for a form's or a JSON body's token.
func (s *Server) eraseData(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var token string
	form := mt == "application/x-www-form-urlencoded"
	if form {
		r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBytes)
		if err := r.ParseForm(); err != nil {
			return badRequest("The form could not be read.")
		}
		token = r.PostForm.Get("token")
	} else {
		var req struct {
			Token string `json:"token"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		token = req.Token
	}
	site, hmac, err := s.Desk.OpenDataLink(s.Keys, token)
	if err != nil {
		return err
	}
	e, err := s.Desk.EraseData(r.Context(), site, hmac, desk.Author)
	if err != nil {
		return err
	}
	out := NewErasureJSON(e)
	w.Header().Set("Cache-Control", "no-store")
	if form {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		return erasePage.Execute(w, erasePageData{Title: "Your data was deleted", Site: site, Done: &out})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type adminDataRequest struct {
	Email string `json:"email"`
}

// adminDataEmail decodes a moderator's data-request (one that came by post).
func (s *Server) adminDataEmail(w http.ResponseWriter, r *http.Request) (string, []byte, string, error) {
	site, err := s.adminSite(r)
	if err != nil {
		return "", nil, "", err
	}
	var req adminDataRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return "", nil, "", err
	}
	if msg := desk.CheckEmail(req.Email); msg != "" {
		return "", nil, "", comment.Invalid(comment.FieldError{Field: "email", Message: msg})
	}
	m, _ := ModeratorFrom(r.Context())
	return site, s.Keys.EmailHMAC(strings.TrimSpace(req.Email)), m.Name, nil
}

func (s *Server) adminExportData(w http.ResponseWriter, r *http.Request) error {
	site, hmac, by, err := s.adminDataEmail(w, r)
	if err != nil {
		return err
	}
	d, err := s.Desk.ExportData(r.Context(), site, hmac, by)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NewDataExport(site, d, s.Now()))
	return nil
}

func (s *Server) adminEraseData(w http.ResponseWriter, r *http.Request) error {
	site, hmac, by, err := s.adminDataEmail(w, r)
	if err != nil {
		return err
	}
	e, err := s.Desk.EraseData(r.Context(), site, hmac, by)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NewErasureJSON(e))
	return nil
}
