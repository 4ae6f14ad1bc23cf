package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/parleyhq/parley/comment"
)

// SetSitePolicy validates a site's settings (mode, rules and their lists,
// each refusal naming its field), saves them with an audit entry saying
// each changed setting's old and new value, and tells every instance. A
// change that changes nothing is not written. CodeInvalid, CodeNotFound.
func (d *Desk) SetSitePolicy(ctx context.Context, site comment.Site, moderator string) error {
	if errs := site.ValidatePolicy(); len(errs) > 0 {
		return comment.Invalid(errs...)
	}
	old, err := d.Store.Site(ctx, site.ID)
	if err != nil {
		return err
	}
	note := PolicyDiff(old, site)
	if note == "" {
		return nil
	}
	if err := d.Store.SetSitePolicy(ctx, site, comment.PolicyChange{Moderator: moderator, At: d.Now().UTC(), Note: note}); err != nil {
		return err
	}
	payload, _ := json.Marshal(SiteNotice{Site: site.ID})
	if err := d.Bus.Publish(ctx, NoticeSite, payload); err != nil {
		d.Logger.Warn("publishing a site change failed", "err", err)
	}
	return nil
}

// SettingValues lists a site's settings by the names the API and the CLI
// give them, each as text ("default" for a policy setting left unset).
func SettingValues(s comment.Site) map[string]string {
	mode := s.Mode
	if mode == "" {
		mode = comment.ModePremoderate
	}
	v := map[string]string{
		"origins":               strings.Join(s.Origins, " "),
		"mode":                  string(mode),
		"flag_threshold":        fmt.Sprint(s.FlagThreshold),
		"auto_reject_threshold": fmt.Sprint(s.AutoRejectThreshold),
		"banned_words":          strings.Join(s.BannedWords, ", "),
		"suspect_words":         strings.Join(s.SuspectWords, ", "),
		"max_links":             fmt.Sprint(s.LinkLimit),
		"public_figures":        s.PublicFigures,
		"edit_window":           s.EditWindow.String(),
		"report_hold":           fmt.Sprint(s.ReportHold),
		"address_ban_days":      fmt.Sprint(s.AddressBanDays),
		"tracking_params":       strings.Join(s.TrackingParams, ", "),
	}
	raw, _ := json.Marshal(s.Policy)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	for _, name := range PolicyFields {
		v[name] = "default"
		if r, ok := m[name]; ok {
			v[name] = string(r)
		}
	}
	return v
}

// PolicyFields are the JSON names of comment.PolicySettings' fields.
var PolicyFields = []string{"sections", "articles", "hold_new", "trust_after", "trust_window", "rejection_rate",
	"rejection_window", "blocked_domains", "allowed_domains", "email_domains", "disposable", "repeat_minutes",
	"repeat_similarity", "campaign_commenters", "velocity_max", "velocity_minutes", "default_sort", "auto_close_days", "auto_close"}

// PolicyDiff says what changed between two versions of a site's
// settings, "name: old -> new" joined by "; ", in name order; "" when
// nothing did.
func PolicyDiff(old, cur comment.Site) string {
	a, b := SettingValues(old), SettingValues(cur)
	var names []string
	for k := range b {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []string
	for _, k := range names {
		if a[k] != b[k] {
			out = append(out, fmt.Sprintf("%s: %s -> %s", k, orNone(a[k]), orNone(b[k])))
		}
	}
	return strings.Join(out, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
