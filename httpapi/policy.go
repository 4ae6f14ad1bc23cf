package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/parleyhq/parley/comment"
)

// queueRule checks the queue's rule filter.
func queueRule(rule string) (string, error) {
	if rule == "" || slices.Contains(comment.RuleNames, rule) {
		return rule, nil
	}
	return "", badRequest("Unknown rule.", comment.FieldError{Field: "rule", Message: "must be one of " + strings.Join(comment.RuleNames, ", ")})
}

// PolicyView is a site's mode and rule settings, each with the value in
// force (defaults filled in): the body of GET and PATCH
// /api/v1/admin/sites/{id}/policy.
type PolicyView struct {
	Site                string                      `json:"site"`
	Mode                comment.Mode                `json:"mode"`
	FlagThreshold       float64                     `json:"flag_threshold"`
	AutoRejectThreshold float64                     `json:"auto_reject_threshold"`
	MaxLinks            int                         `json:"max_links"`
	BannedWords         []string                    `json:"banned_words"`
	SuspectWords        []string                    `json:"suspect_words"`
	HoldNew             int                         `json:"hold_new"`
	TrustAfter          int                         `json:"trust_after"`
	TrustWindow         int                         `json:"trust_window"`
	RejectionRate       float64                     `json:"rejection_rate"`
	RejectionWindow     int                         `json:"rejection_window"`
	BlockedDomains      []string                    `json:"blocked_domains"`
	AllowedDomains      []string                    `json:"allowed_domains"`
	EmailDomains        []comment.EmailDomainRule   `json:"email_domains"`
	Disposable          string                      `json:"disposable"`
	RepeatMinutes       int                         `json:"repeat_minutes"`
	RepeatSimilarity    float64                     `json:"repeat_similarity"`
	CampaignCommenters  int                         `json:"campaign_commenters"`
	VelocityMax         int                         `json:"velocity_max"`
	VelocityMinutes     int                         `json:"velocity_minutes"`
	Sections            []comment.ModeOverride      `json:"sections"`
	Articles            []comment.ModeOverride      `json:"articles"`
	DefaultSort         comment.Sort                `json:"default_sort"`
	AutoCloseDays       int                         `json:"auto_close_days"`
	AutoClose           []comment.AutoCloseOverride `json:"auto_close"`
}

func nn[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// NewPolicyView shows a site's settings in force.
func NewPolicyView(s comment.Site) PolicyView {
	p := s.Policy
	mode := s.Mode
	if mode == "" {
		mode = comment.ModePremoderate
	}
	return PolicyView{Site: s.ID, Mode: mode, FlagThreshold: s.FlagThreshold, AutoRejectThreshold: s.AutoRejectThreshold,
		MaxLinks: s.LinkLimit, BannedWords: nn(s.BannedWords), SuspectWords: nn(s.SuspectWords),
		HoldNew: p.HoldNewOrDefault(), TrustAfter: p.TrustAfterOrDefault(), TrustWindow: p.TrustWindowOrDefault(),
		RejectionRate: p.RejectionRateOrDefault(), RejectionWindow: p.RejectionWindowOrDefault(),
		BlockedDomains: nn(p.BlockedDomains), AllowedDomains: nn(p.AllowedDomains), EmailDomains: nn(p.EmailDomains),
		Disposable: p.DisposableOrDefault(), RepeatMinutes: p.RepeatMinutesOrDefault(), RepeatSimilarity: p.RepeatSimilarityOrDefault(),
		CampaignCommenters: p.CampaignCommentersOrDefault(), VelocityMax: p.VelocityMaxOrDefault(), VelocityMinutes: p.VelocityMinutesOrDefault(),
		Sections: nn(p.Sections), Articles: nn(p.Articles),
		DefaultSort: p.DefaultSortOrOldest(), AutoCloseDays: p.AutoCloseDaysFor(""), AutoClose: nn(p.AutoClose)}
}

// PolicyPatch is the body of PATCH /api/v1/admin/sites/{id}/policy: each
// field given replaces the setting; the others stay.
type PolicyPatch struct {
	Mode                *comment.Mode                `json:"mode"`
	FlagThreshold       *float64                     `json:"flag_threshold"`
	AutoRejectThreshold *float64                     `json:"auto_reject_threshold"`
	MaxLinks            *int                         `json:"max_links"`
	BannedWords         *[]string                    `json:"banned_words"`
	SuspectWords        *[]string                    `json:"suspect_words"`
	HoldNew             *int                         `json:"hold_new"`
	TrustAfter          *int                         `json:"trust_after"`
	TrustWindow         *int                         `json:"trust_window"`
	RejectionRate       *float64                     `json:"rejection_rate"`
	RejectionWindow     *int                         `json:"rejection_window"`
	BlockedDomains      *[]string                    `json:"blocked_domains"`
	AllowedDomains      *[]string                    `json:"allowed_domains"`
	EmailDomains        *[]comment.EmailDomainRule   `json:"email_domains"`
	Disposable          *string                      `json:"disposable"`
	RepeatMinutes       *int                         `json:"repeat_minutes"`
	RepeatSimilarity    *float64                     `json:"repeat_similarity"`
	CampaignCommenters  *int                         `json:"campaign_commenters"`
	VelocityMax         *int                         `json:"velocity_max"`
	VelocityMinutes     *int                         `json:"velocity_minutes"`
	Sections            *[]comment.ModeOverride      `json:"sections"`
	Articles            *[]comment.ModeOverride      `json:"articles"`
	DefaultSort         *comment.Sort                `json:"default_sort"`
	AutoCloseDays       *int                         `json:"auto_close_days"`
	AutoClose           *[]comment.AutoCloseOverride `json:"auto_close"`
}

// Apply sets the patch's fields on a site, and returns the refusals of the
// thresholds the site's own columns keep (the others are checked by
// comment.Site.ValidatePolicy).
func (p PolicyPatch) Apply(s *comment.Site) []comment.FieldError {
	var errs []comment.FieldError
	set := func(dst *float64, v *float64, field string) {
		if v == nil {
			return
		}
		if !(*v >= 0 && *v <= 1) {
			errs = append(errs, comment.FieldError{Field: field, Message: "must be a number from 0 to 1"})
			return
		}
		*dst = *v
	}
	set(&s.FlagThreshold, p.FlagThreshold, "flag_threshold")
	set(&s.AutoRejectThreshold, p.AutoRejectThreshold, "auto_reject_threshold")
	if p.Mode != nil {
		s.Mode = *p.Mode
	}
	if p.MaxLinks != nil {
		s.LinkLimit = *p.MaxLinks
	}
	if p.BannedWords != nil {
		s.BannedWords = *p.BannedWords
	}
	if p.SuspectWords != nil {
		s.SuspectWords = *p.SuspectWords
	}
	ps := &s.Policy
	for _, f := range []struct{ dst, v **int }{{&ps.HoldNew, &p.HoldNew}, {&ps.TrustAfter, &p.TrustAfter}, {&ps.TrustWindow, &p.TrustWindow},
		{&ps.RejectionWindow, &p.RejectionWindow}, {&ps.RepeatMinutes, &p.RepeatMinutes}, {&ps.CampaignCommenters, &p.CampaignCommenters},
		{&ps.VelocityMax, &p.VelocityMax}, {&ps.VelocityMinutes, &p.VelocityMinutes}, {&ps.AutoCloseDays, &p.AutoCloseDays}} {
		if *f.v != nil {
			*f.dst = *f.v
		}
	}
	if p.RejectionRate != nil {
		ps.RejectionRate = p.RejectionRate
	}
	if p.DefaultSort != nil {
		ps.DefaultSort = *p.DefaultSort
	}
	if p.AutoClose != nil {
		ps.AutoClose = *p.AutoClose
	}
	if p.RepeatSimilarity != nil {
		ps.RepeatSimilarity = p.RepeatSimilarity
	}
	if p.BlockedDomains != nil {
		ps.BlockedDomains = *p.BlockedDomains
	}
	if p.AllowedDomains != nil {
		ps.AllowedDomains = *p.AllowedDomains
	}
	if p.EmailDomains != nil {
		ps.EmailDomains = *p.EmailDomains
	}
	if p.Disposable != nil {
		ps.Disposable = *p.Disposable
	}
	if p.Sections != nil {
		ps.Sections = *p.Sections
	}
	if p.Articles != nil {
		ps.Articles = *p.Articles
	}
	return errs
}

// policySite returns the site of a /admin/sites/{id}/policy route for an
// admin who may manage it.
func (s *Server) policySite(r *http.Request) (comment.Site, comment.Moderator, error) {
	return s.siteForAdmin(r, "id")
}

func (s *Server) sitePolicy(w http.ResponseWriter, r *http.Request) error {
	site, _, err := s.policySite(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NewPolicyView(site))
	return nil
}

func (s *Server) setSitePolicy(w http.ResponseWriter, r *http.Request) error {
	site, m, err := s.policySite(r)
	if err != nil {
		return err
	}
	var p PolicyPatch
	if err := decodeJSON(w, r, &p); err != nil {
		return err
	}
	if errs := append(p.Apply(&site), site.ValidatePolicy()...); len(errs) > 0 {
		return comment.Invalid(errs...)
	}
	if err := s.Desk.SetSitePolicy(r.Context(), site, m.Name); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NewPolicyView(site))
	return nil
}

// PolicyTestRequest is the body of POST /api/v1/admin/sites/{id}/policy/test.
type PolicyTestRequest struct {
	Email      string `json:"email"`
	ArticleURL string `json:"article_url"`
	Body       string `json:"body"`
}

// PolicyTestResponse says what the site's settings would do to the text.
type PolicyTestResponse struct {
	Mode    comment.Mode   `json:"mode"`
	Status  comment.Status `json:"status"`
	Verdict string         `json:"verdict"`
	Holds   []comment.Hold `json:"holds"`
}

func (s *Server) testSitePolicy(w http.ResponseWriter, r *http.Request) error {
	site, _, err := s.policySite(r)
	if err != nil {
		return err
	}
	var req PolicyTestRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	email := strings.TrimSpace(req.Email)
	o, err := s.Desk.TestPolicy(r.Context(), s.Policy, site, email, s.Keys.EmailHMAC(email), req.ArticleURL, req.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PolicyTestResponse{Mode: o.Mode, Status: o.Status, Verdict: o.Verdict(), Holds: nn(o.Holds)})
	return nil
}
