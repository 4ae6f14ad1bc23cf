package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/moderation"
)

// calibrationData is the flag threshold calibration of one site, for the
// statistics page.
type calibrationData struct {
	Cal     moderation.Calibration
	Current string // the threshold in force
	Rows    []calibrationRow
	Chart   template.HTML
	Applied string
}

type calibrationRow struct {
	Threshold, Precision, Recall string
	Flagged                      int
	Current                      bool
}

// calibration computes the precision/recall curve of a site's moderators'
// decisions.
func (h *Handler) calibration(r *http.Request, site comment.Site, target float64) (*calibrationData, error) {
	scores, attack, err := moderation.SiteDecisions(r.Context(), h.Store, site.ID)
	if err != nil {
		return nil, err
	}
	cur := h.Policy.Threshold(site)
	d := &calibrationData{Cal: moderation.Calibrate(scores, attack, target), Current: strconv.FormatFloat(cur, 'f', 2, 64)}
	var labels []string
	var prec []float64
	for _, p := range d.Cal.Curve {
		row := calibrationRow{Threshold: strconv.FormatFloat(p.Threshold, 'f', 2, 64), Precision: "—", Recall: strconv.FormatFloat(p.Recall, 'f', 2, 64), Flagged: p.Flagged,
			Current: math.Abs(p.Threshold-cur) < 0.025}
		v := 0.0
		if !math.IsNaN(p.Precision) {
			row.Precision = strconv.FormatFloat(p.Precision, 'f', 2, 64)
			v = p.Precision
		}
		d.Rows = append(d.Rows, row)
		labels = append(labels, row.Threshold)
		prec = append(prec, v*100)
	}
	d.Chart = lineChart("Precision (%) of flagging at each threshold", labels, prec)
	return d, nil
}

// calibrate sets a site's flag threshold from its moderators' decisions:
// the lowest threshold whose precision reaches the target.
func (h *Handler) calibrate(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.Store.Site(r.Context(), r.PathValue("site"))
	if err != nil {
		return err
	}
	target := moderation.DefaultPrecision
	if v := strings.TrimSpace(r.PostFormValue("precision")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1 {
			return comment.Invalid(comment.FieldError{Field: "precision", Message: "must be a number above 0 and at most 1"})
		}
		target = f
	}
	d, err := h.calibration(r, site, target)
	if err != nil {
		return err
	}
	if !d.Cal.OK {
		return comment.Invalid(comment.FieldError{Field: "precision", Message: fmt.Sprintf("no calibrated threshold from %d decisions: %s", d.Cal.Decisions, d.Cal.Why)})
	}
	site.FlagThreshold = d.Cal.Threshold
	if err := h.Desk.UpdateSite(r.Context(), site); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/stats?site="+site.ID+"&calibrated="+strconv.FormatFloat(d.Cal.Threshold, 'f', 2, 64), http.StatusSeeOther)
	return nil
}
