package dashboard

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/moderation"
)

// statsDays is how far back the statistics page looks.
const statsDays = 30

type statsData struct {
	Site           string
	Sites          []comment.Site
	Pending        int
	Median         string
	Decisions      int
	QueueChart     template.HTML
	DecisionsChart template.HTML
	ScoresChart    template.HTML
	// Calibration is the site's flag threshold curve (a site selected).
	Calibration *calibrationData
	Admin       bool
}

func (h *Handler) stats(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	site, err := scopeSite(s, r.URL.Query().Get("site"))
	if err != nil {
		return err
	}
	sites, err := h.Store.Sites(ctx)
	if err != nil {
		return err
	}
	sites = visibleSites(s, sites)
	if site != "" {
		if _, err := h.Store.Site(ctx, site); err != nil {
			if comment.ErrorCode(err) == comment.CodeNotFound {
				return comment.Invalid(comment.FieldError{Field: "site", Message: "is not a site this server knows"})
			}
			return err
		}
	}
	now := h.Now().UTC()
	first := now.Truncate(24*time.Hour).AddDate(0, 0, -(statsDays - 1))
	st, err := h.Store.Stats(ctx, comment.StatsQuery{SiteID: site, Since: first})
	if err != nil {
		return err
	}
	days := fillDays(st.Days, first, statsDays)
	d := statsData{Site: site, Sites: sites, Pending: st.Pending, Median: "—", Admin: s.Moderator.Role == comment.RoleAdmin}
	if site != "" && h.Policy.Classifier != nil {
		st, err := h.Store.Site(ctx, site)
		if err != nil {
			return err
		}
		if d.Calibration, err = h.calibration(r, st, moderation.DefaultPrecision); err != nil {
			return err
		}
		d.Calibration.Applied = r.URL.Query().Get("calibrated")
	}
	if st.MedianResponse > 0 {
		d.Median = humanDuration(st.MedianResponse)
	}
	// The queue at the end of each day, walking back from its size now.
	queue := make([]float64, len(days))
	size := st.Pending
	for i := len(days) - 1; i >= 0; i-- {
		queue[i] = float64(max(size, 0))
		size -= days[i].Submitted - days[i].Decided
	}
	labels := make([]string, len(days))
	for i, dd := range days {
		labels[i] = dd.Day.Format("Jan 2")
	}
	d.QueueChart = lineChart("Queue size at the end of each day", labels, queue)
	series := []barSeries{{Name: "approved", Class: "s-approved"}, {Name: "ad hominem", Class: "s-adhominem"},
		{Name: "spam", Class: "s-spam"}, {Name: "off-topic", Class: "s-offtopic"}, {Name: "other", Class: "s-other"}}
	for _, dd := range days {
		vals := []int{dd.Approved, dd.Rejected[comment.ReasonAdHominem], dd.Rejected[comment.ReasonSpam], dd.Rejected[comment.ReasonOffTopic], dd.Rejected[comment.ReasonOther]}
		for i, v := range vals {
			series[i].Values = append(series[i].Values, float64(v))
			d.Decisions += v
		}
	}
	d.DecisionsChart = barChart("Moderators' decisions per day, by outcome and reason", labels, series, true)
	bucketLabels := make([]string, 10)
	approved, rejected := barSeries{Name: "approved", Class: "s-approved"}, barSeries{Name: "rejected", Class: "s-adhominem"}
	for i := range 10 {
		bucketLabels[i] = fmt.Sprintf("%.1f", float64(i)/10)
		approved.Values = append(approved.Values, float64(st.ApprovedScores[i]))
		rejected.Values = append(rejected.Values, float64(st.RejectedScores[i]))
	}
	d.ScoresChart = barChart("Ad hominem scores of approved and rejected comments", bucketLabels, []barSeries{approved, rejected}, false)
	h.render(w, r, http.StatusOK, "stats", s, "Statistics", d)
	return nil
}

// fillDays returns one entry per day from first, with zeroes where the
// store reported no activity.
func fillDays(have []comment.DayStats, first time.Time, n int) []comment.DayStats {
	byDay := map[time.Time]comment.DayStats{}
	for _, d := range have {
		byDay[d.Day] = d
	}
	out := make([]comment.DayStats, n)
	for i := range n {
		day := first.AddDate(0, 0, i)
		d, ok := byDay[day]
		if !ok {
			d = comment.DayStats{Day: day}
		}
		out[i] = d
	}
	return out
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 960.0, 210.0
	padL, padR     = 44.0, 12.0
	padT, padB     = 28.0, 34.0
)

type barSeries struct {
	Name   string
	Class  string
	Values []float64
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// axes draws the frame, the y grid and every nth x label.
func axes(b *strings.Builder, title string, labels []string, top float64) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %s %s" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, num(chartW), num(chartH), html.EscapeString(title))
	fmt.Fprintf(b, `<title>%s</title>`, html.EscapeString(title))
	plotH := chartH - padT - padB
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		y := chartH - padB - plotH*float64(i)/4
		fmt.Fprintf(b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(padL), num(y), num(chartW-padR), num(y))
		fmt.Fprintf(b, `<text class="ylabel" x="%s" y="%s" text-anchor="end">%s</text>`, num(padL-6), num(y+4), strconv.FormatFloat(v, 'f', -1, 64))
	}
	step := max(1, len(labels)/8)
	slot := (chartW - padL - padR) / float64(max(len(labels), 1))
	for i, l := range labels {
		if i%step != 0 && i != len(labels)-1 {
			continue
		}
		x := padL + slot*(float64(i)+0.5)
		fmt.Fprintf(b, `<text class="xlabel" x="%s" y="%s" text-anchor="middle">%s</text>`, num(x), num(chartH-padB+16), html.EscapeString(l))
	}
}

func lineChart(title string, labels []string, values []float64) template.HTML {
	var b strings.Builder
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	top = niceMax(top)
	axes(&b, title, labels, top)
	plotH := chartH - padT - padB
	slot := (chartW - padL - padR) / float64(max(len(values), 1))
	var pts []string
	for i, v := range values {
		x := padL + slot*(float64(i)+0.5)
		y := chartH - padB - plotH*v/top
		pts = append(pts, num(x)+","+num(y))
	}
	fmt.Fprintf(&b, `<polyline class="line" points="%s"/>`, strings.Join(pts, " "))
	for i, v := range values {
		x := padL + slot*(float64(i)+0.5)
		y := chartH - padB - plotH*v/top
		fmt.Fprintf(&b, `<circle class="dot" cx="%s" cy="%s" r="2.5"><title>%s: %d</title></circle>`, num(x), num(y), html.EscapeString(labels[i]), int(v))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws stacked (or grouped) bars with a legend.
func barChart(title string, labels []string, series []barSeries, stacked bool) template.HTML {
	var b strings.Builder
	top := 0.0
	for i := range labels {
		sum := 0.0
		for _, s := range series {
			if stacked {
				sum += s.Values[i]
			} else {
				sum = max(sum, s.Values[i])
			}
		}
		top = max(top, sum)
	}
	top = niceMax(top)
	axes(&b, title, labels, top)
	plotH := chartH - padT - padB
	slot := (chartW - padL - padR) / float64(max(len(labels), 1))
	barW := slot * 0.7
	if !stacked {
		barW = slot * 0.8 / float64(len(series))
	}
	for i, l := range labels {
		base := chartH - padB
		for j, s := range series {
			v := s.Values[i]
			if v <= 0 {
				continue
			}
			hgt := plotH * v / top
			x := padL + slot*float64(i) + (slot-slot*0.7)/2
			y := base - hgt
			if stacked {
				base -= hgt
			} else {
				x = padL + slot*float64(i) + slot*0.1 + barW*float64(j)
				y = chartH - padB - hgt
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s"><title>%s, %s: %d</title></rect>`,
				s.Class, num(x), num(y), num(barW), num(hgt), html.EscapeString(l), html.EscapeString(s.Name), int(v))
		}
	}
	x := padL
	for _, s := range series {
		fmt.Fprintf(&b, `<rect class="%s" x="%s" y="8" width="10" height="10"/><text class="legend" x="%s" y="17">%s</text>`,
			s.Class, num(x), num(x+14), html.EscapeString(s.Name))
		x += 30 + 6.5*float64(len(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
