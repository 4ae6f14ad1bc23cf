package simulate

import (
	"fmt"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/moderation"
)

func TestRun(t *testing.T) {
	var data []Labelled
	for i := range 400 {
		data = append(data, Labelled{Text: fmt.Sprintf("Comment number %d about topic %d.", i, i*31), Attack: i%10 == 0})
	}
	a := Baseline
	a.Commenters, a.Attackers = 40, 4
	evs, cs := Stream(data, a)
	if len(evs) < len(data) {
		t.Fatalf("stream has %d comments, want at least %d", len(evs), len(data))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].at.Before(evs[i-1].at) {
			t.Fatal("stream not in time order")
		}
	}
	zero := 0
	off := comment.PolicySettings{HoldNew: &zero, RejectionRate: new(float64), RepeatMinutes: &zero, VelocityMax: &zero}
	p := moderation.Policy{}
	pre := Run(p, Setting{Name: "pre", Site: comment.Site{ID: "s", Mode: comment.ModePremoderate}}, evs, cs, a)
	if pre.ReviewShare != 1 || pre.AttacksUnreviewedShare != 0 || pre.MedianWaitMinutes <= 0 {
		t.Errorf("premoderate = %+v", pre)
	}
	post := Run(p, Setting{Name: "post", Site: comment.Site{ID: "s", Mode: comment.ModePostmoderate, Policy: off}}, evs, cs, a)
	if post.ReviewShare != 0 || post.AttacksUnreviewedShare != 1 || post.MedianWaitMinutes != 0 {
		t.Errorf("postmoderate without rules or classifier = %+v", post)
	}
	trusted := Run(p, Setting{Name: "trusted", Site: comment.Site{ID: "s", Mode: comment.ModeTrusted}}, evs, cs, a)
	if !(trusted.ReviewShare < 1 && trusted.ReviewShare > 0) {
		t.Errorf("trusted = %+v: some commenters earn trust, others not", trusted)
	}
	// Attackers, whose comments are all rejected, never earn trust.
	if trusted.AttacksUnreviewedShare >= post.AttacksUnreviewedShare {
		t.Errorf("trusted lets through %v of attacks", trusted.AttacksUnreviewedShare)
	}
}
