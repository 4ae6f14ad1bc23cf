package moderation

import (
	"math"
	"testing"
)

func TestCalibrate(t *testing.T) {
	// 300 decisions: attacks score 0.3 to 0.99, approvals 0.01 to 0.6, so
	// precision rises with the threshold.
	var scores []float64
	var attack []bool
	for i := 0; i < 100; i++ {
		scores, attack = append(scores, 0.3+0.69*float64(i)/99), append(attack, true)
	}
	for i := 0; i < 200; i++ {
		scores, attack = append(scores, 0.01+0.59*float64(i)/199), append(attack, false)
	}
	c := Calibrate(scores, attack, 0.8)
	if !c.OK || c.Decisions != 300 || c.Attacks != 100 {
		t.Fatalf("calibration = %+v", c)
	}
	// Precision at the chosen threshold is at least 0.8, one step lower it is not.
	prec := func(th float64) float64 {
		var tp, n float64
		for i, s := range scores {
			if s >= th {
				n++
				if attack[i] {
					tp++
				}
			}
		}
		return tp / n
	}
	if p := prec(c.Threshold); p < 0.8 {
		t.Errorf("threshold %.2f has precision %.3f", c.Threshold, p)
	}
	if p := prec(c.Threshold - 0.01); p >= 0.8 {
		t.Errorf("threshold %.2f is not the lowest: %.2f has precision %.3f", c.Threshold, c.Threshold-0.01, p)
	}
	if len(c.Curve) != 19 || math.Abs(c.Curve[0].Recall-1) > 1e-9 {
		t.Errorf("curve = %+v", c.Curve)
	}
	// A stricter target moves the threshold up.
	if s := Calibrate(scores, attack, 0.95); !s.OK || s.Threshold <= c.Threshold {
		t.Errorf("target 0.95: %+v, want a threshold above %.2f", s, c.Threshold)
	}
	// Too few decisions: no threshold.
	if s := Calibrate(scores[:150], attack[:150], 0.8); s.OK || s.Why == "" {
		t.Errorf("150 decisions: %+v", s)
	}
}
