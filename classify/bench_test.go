package classify

import (
	"bytes"
	"strings"
	"testing"
)

// benchComments are 300-character comments, a mix of attacks and criticism.
func benchComments() []string {
	base := contrastAll()
	var out []string
	for i := range base {
		var b strings.Builder
		for j := i; b.Len() < 300; j++ {
			b.WriteString(base[j%len(base)].Text)
			b.WriteByte(' ')
		}
		out = append(out, b.String()[:300])
	}
	return out
}

func BenchmarkScore(b *testing.B) {
	m := Default()
	cs := benchComments()
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; b.Loop(); i++ {
		m.Score(cs[i%len(cs)])
	}
	reportSpeed(b, cpu)
}

// reportSpeed reports comments per second of wall-clock time and, where
// the platform tells, per CPU-second (run with -cpu 1: then one core's
// throughput even when other processes share the machine).
func reportSpeed(b *testing.B, cpuStart float64) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "comments/s")
	if d := cpuSeconds() - cpuStart; d > 0 && cpuStart > 0 {
		b.ReportMetric(float64(b.N)/d, "comments/cpu-s")
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(bytes.NewReader(embeddedModel)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(embeddedModel)), "model-bytes")
}

// BenchmarkScoreContext scores replies with their parent and author, under
// the default public-figure policy.
func BenchmarkScoreContext(b *testing.B) {
	m := Default()
	cs := benchComments()
	c := Context{Parent: "The hotline is a start, but the patrol question decides everything, and the treaty draft leaves it open.", ParentAuthor: "Marta Olsen"}
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; b.Loop(); i++ {
		m.ScoreContext(cs[i%len(cs)], c)
	}
	reportSpeed(b, cpu)
}
