package httpapi

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/identity"
	"github.com/parleyhq/parley/secret"
)

// VerifyMessage is what the author of a comment held for email
// verification is told.
const VerifyMessage = "Check your email: we sent you a link. Your comment goes to the moderators once you click it."

// newVerifier makes the checker of the sites' sign-in tokens.
func (s *Server) newVerifier() *identity.Verifier {
	return &identity.Verifier{
		Open:   func(sealed []byte) ([]byte, error) { return s.Keys.Open(identity.SealPurpose, sealed) },
		Client: s.SSOClient,
		Now:    s.Now,
	}
}

// signIn checks a submission's sign-in token against its site. With a
// valid token, the name and email are the token's (any sent are ignored)
// and the claims are returned. Without one, a site that requires sign-in
// refuses the comment. Refusals are 401 naming sso_token.
func (s *Server) signIn(ctx context.Context, w http.ResponseWriter, req *SubmitRequest, site *comment.Site) (*identity.Claims, error) {
	if site == nil {
		return nil, nil
	}
	if req.SSOToken == "" {
		if site.Identity.SSO.Required {
			w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
			return nil, &comment.Error{Code: comment.CodeUnauthorized,
				Message: "This site takes comments only from its signed-in subscribers: sign in on the site, then comment.",
				Fields:  []comment.FieldError{{Field: "sso_token", Message: "is required on this site: only signed-in subscribers may comment"}}}
		}
		return nil, nil
	}
	claims, err := s.sso.Verify(ctx, *site, req.SSOToken)
	if err != nil {
		if comment.ErrorCode(err) == comment.CodeUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="parley", error="invalid_token"`)
		}
		return nil, err
	}
	req.Name, req.Email = claims.Name, claims.Email
	return &claims, nil
}

// checkName refuses a name that is, after folding look-alikes
// (identity.Skeleton), a name of the site's staff (unless the newsroom
// signed it in a token) or a name a trusted commenter with another email
// uses on the site. 422 naming name.
func (s *Server) checkName(ctx context.Context, site comment.Site, name string, emailHMAC []byte, signedIn bool) error {
	sk := identity.Skeleton(name)
	if !signedIn {
		for _, staff := range site.Identity.StaffNames {
			if identity.Skeleton(staff) == sk {
				return comment.Invalid(comment.FieldError{Field: "name", Message: "is reserved for the newsroom's staff on this site; please choose another name"})
			}
		}
	}
	holders, err := s.names.get(ctx, s.Store, site.ID, s.Now())
	if err != nil {
		return err
	}
	for _, h := range holders[sk] {
		if !hmac.Equal(h, emailHMAC) {
			return comment.Invalid(comment.FieldError{Field: "name", Message: "is (or looks like) the name of another commenter on this site; please choose another name"})
		}
	}
	return nil
}

// NameCacheTTL is how long a site's trusted names are reused: a new trust
// (or a trusted commenter's new name) is protected within it.
const NameCacheTTL = 30 * time.Second

// protectedNames maps a folded name to the keyed hashes of the trusted
// emails that use it, as read at a time.
type protectedNames struct {
	at    time.Time
	names map[string][][]byte
}

// nameCache keeps each site's protected names for NameCacheTTL: reading
// and folding them costs milliseconds on a site with many trusted
// commenters, too much for every submission.
type nameCache struct {
	mu    sync.Mutex
	sites map[string]protectedNames
}

func (c *nameCache) get(ctx context.Context, store comment.Store, siteID string, now time.Time) (map[string][][]byte, error) {
	c.mu.Lock()
	e, ok := c.sites[siteID]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < NameCacheTTL && !now.Before(e.at) {
		return e.names, nil
	}
	holders, err := store.TrustedNames(ctx, siteID)
	if err != nil {
		return nil, err
	}
	names := map[string][][]byte{}
	for _, h := range holders {
		sk := identity.Skeleton(h.Name)
		names[sk] = append(names[sk], h.EmailHMAC)
	}
	c.mu.Lock()
	c.sites[siteID] = protectedNames{at: now, names: names}
	c.mu.Unlock()
	return names, nil
}

// proveSignedIn records that a signed-in reader's email is proven on the
// site, once.
func (s *Server) proveSignedIn(ctx context.Context, commenter *comment.Commenter, claims *identity.Claims) error {
	if claims == nil || commenter.Verified {
		return nil
	}
	if _, err := s.Desk.VerifyEmail(ctx, commenter.SiteID, commenter.EmailHMAC, comment.VerifiedBySSO, nil); err != nil {
		return err
	}
	commenter.Verified, commenter.VerifiedBy = true, comment.VerifiedBySSO
	return nil
}

// MaxCommenterKeyBytes bounds a commenter key (secret.NewToken makes 43).
const MaxCommenterKeyBytes = 64

// provenHere reports whether this submission comes from someone who proved
// the email: a signed-in subscriber (the newsroom's token), or a browser
// whose commenter key was proven by clicking the link emailed for it. An
// email proven once does not prove whoever types it later.
func (s *Server) provenHere(ctx context.Context, commenter comment.Commenter, claims *identity.Claims, key string) (bool, error) {
	if claims != nil {
		return true, nil
	}
	if key == "" || !commenter.Verified {
		return false, nil
	}
	if len(key) > MaxCommenterKeyBytes || strings.Trim(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return false, comment.Invalid(comment.FieldError{Field: "commenter_key", Message: "must be the key a previous answer gave"})
	}
	return s.Store.CommenterKeyProven(ctx, commenter.SiteID, commenter.EmailHMAC, secret.TokenHash(key))
}

// submitOrHold stores a new comment. On a site that verifies emails, a
// pending comment from someone who has not proven the email (by this
// browser's key or a sign-in token) is held until its author clicks the
// link emailed to them; the email is sent again only when the last held
// comment is a day old. The link proves the browser's commenter key (the
// one sent, or a new one), which is returned for a held comment.
func (s *Server) submitOrHold(r *http.Request, site comment.Site, c *comment.Comment, proven bool, key string) (string, error) {
	ctx := r.Context()
	if !site.Identity.Verify || proven || c.Status != comment.StatusPending {
		return "", s.Desk.Submit(ctx, c)
	}
	if key == "" || len(key) > MaxCommenterKeyBytes || strings.Trim(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		key = secret.NewToken()
	}
	c.AwaitingVerification = true
	now := s.Now().UTC()
	send := true
	held, err := s.Store.AwaitingVerification(ctx, site.ID, c.EmailHMAC)
	if err != nil {
		return "", err
	}
	if len(held) > 0 {
		last, err := s.Store.Comment(ctx, held[len(held)-1])
		if err != nil && comment.ErrorCode(err) != comment.CodeNotFound {
			return "", err
		}
		send = err != nil || now.Sub(last.CreatedAt) >= 24*time.Hour
	}
	expires := now.Add(comment.VerificationTTL)
	token := identity.Proof{Site: site.ID, EmailHMAC: c.EmailHMAC, KeyHash: secret.TokenHash(key), Expires: expires}.Token(s.linkSigner())
	lang := c.NotifyLang // the form's lang, else the browser's
	if lang == "" {
		lang = preferredLang(r)
	}
	m := desk.VerifyMail{
		Lang:       lang,
		VerifyURL:  s.publicBase(r) + "/api/v1/verify?token=" + token,
		Name:       c.AuthorName,
		ArticleURL: c.ArticleURL, ArticleTitle: c.ArticleTitle,
		Expires: expires.Format(time.RFC3339), ExpiresText: readableTime(expires, lang),
	}
	return key, s.Desk.SubmitAwaitingVerification(ctx, c, m, send)
}

var frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// readableTime writes t (UTC) for a reader: "7 December 2026, 14:05 UTC"
// or "7 décembre 2026, 14:05 UTC".
func readableTime(t time.Time, lang string) string {
	t = t.UTC()
	if lang == "fr" {
		return fmt.Sprintf("%d %s %d, %s UTC", t.Day(), frMonths[t.Month()-1], t.Year(), t.Format("15:04"))
	}
	return t.Format("2 January 2006, 15:04 UTC")
}

func (s *Server) linkSigner() identity.Signer {
	return func(msg []byte) []byte { return s.Keys.Sign(identity.LinkPurpose, msg) }
}

// publicBase is where readers reach this server: BaseURL, or the request's
// own scheme and host.
func (s *Server) publicBase(r *http.Request) string {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// preferredLang is "fr" when the reader's browser asks for French before
// English, else "en".
func preferredLang(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "fr"):
			return "fr"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "en"
}

// VerifyResult is the JSON answer of GET /api/v1/verify.
type VerifyResult struct {
	Site     string `json:"site"`
	Verified bool   `json:"verified"`
	// Released counts the comments that waited for this proof and now wait
	// for a moderator.
	Released int `json:"released"`
}

// verifyEmail serves the link emailed to the author of a held comment: it
// proves their email on the site and releases their held comments to the
// moderation queue. A browser gets a short page; a client asking for
// application/json gets a VerifyResult (or a problem).
func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	asJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	lang := preferredLang(r)
	fail := func(err error) error {
		if asJSON {
			return err
		}
		status := statusOf[comment.ErrorCode(err)]
		if status == 0 {
			status = http.StatusInternalServerError
		}
		msg := verifyPages[lang].bad
		var ce *comment.Error
		if errors.As(err, &ce) && ce.Code == comment.CodeInvalid {
			msg = verifyPages[lang].expired
		}
		if status >= 500 {
			s.Logger.Error("verifying an email failed", "err", err)
			msg = verifyPages[lang].failed
		}
		return renderVerifyPage(w, status, lang, msg)
	}
	token := r.URL.Query().Get("token")
	if token == "" {
		return fail(comment.Invalid(comment.FieldError{Field: "token", Message: "is required"}))
	}
	proof, err := identity.ParseToken(token, s.linkSigner(), s.Now())
	if err != nil {
		return fail(err)
	}
	released, err := s.Desk.VerifyEmail(r.Context(), proof.Site, proof.EmailHMAC, comment.VerifiedByEmail, proof.KeyHash)
	if err != nil {
		return fail(err)
	}
	if asJSON {
		writeJSON(w, http.StatusOK, VerifyResult{Site: proof.Site, Verified: true, Released: len(released)})
		return nil
	}
	return renderVerifyPage(w, http.StatusOK, lang, verifyPages[lang].ok)
}

var verifyPages = map[string]struct{ title, ok, bad, expired, failed string }{
	"en": {"Email verification",
		"Thank you: your email is verified. Your comment now waits for a moderator; you may close this page.",
		"This verification link is not valid. It may have been cut short when copied: open it again from the email.",
		"This verification link has expired. Post your comment again to receive a new one.",
		"Your email could not be verified just now. Please try the link again in a few minutes."},
	"fr": {"Vérification de l'adresse e-mail",
		"Merci : votre adresse e-mail est vérifiée. Votre commentaire attend maintenant un modérateur ; vous pouvez fermer cette page.",
		"Ce lien de vérification n'est pas valide. Il a peut-être été tronqué lors d'un copier-coller : ouvrez-le à nouveau depuis l'e-mail.",
		"Ce lien de vérification a expiré. Publiez à nouveau votre commentaire pour en recevoir un nouveau.",
		"Votre adresse n'a pas pu être vérifiée pour l'instant. Réessayez le lien dans quelques minutes."},
}

var verifyPage = template.Must(template.New("verify").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}</style>
</head><body><main><h1>{{.Title}}</h1><p>{{.Message}}</p></main></body></html>
`))

func renderVerifyPage(w http.ResponseWriter, status int, lang, msg string) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	return verifyPage.Execute(w, struct{ Lang, Title, Message string }{lang, verifyPages[lang].title, msg})
}
