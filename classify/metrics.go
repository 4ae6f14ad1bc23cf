package classify

import (
	"math"
	"slices"
)

// rocAUC is the area under the ROC curve, with ties counted half.
func rocAUC(scores []float64, ys []bool) float64 {
	idx := sortedByScore(scores)
	var pos, neg float64
	for _, y := range ys {
		if y {
			pos++
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	// Rank-sum (Mann-Whitney) with average ranks for ties, ascending.
	var rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			if ys[idx[k]] {
				rankSum += avg
			}
		}
		i = j
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// prAUC is average precision: the mean of precision at each positive,
// walking down the ranking (ties broken by input order).
func prAUC(scores []float64, ys []bool) float64 {
	idx := sortedByScore(scores)
	slices.Reverse(idx)
	var tp, seen, sum, pos float64
	for _, y := range ys {
		if y {
			pos++
		}
	}
	if pos == 0 {
		return math.NaN()
	}
	for _, i := range idx {
		seen++
		if ys[i] {
			tp++
			sum += tp / seen
		}
	}
	return sum / pos
}

// precisionAt is the precision of flagging score >= threshold, and how many
// were flagged.
func precisionAt(scores []float64, ys []bool, threshold float64) (float64, int) {
	var tp, n int
	for i, s := range scores {
		if s >= threshold {
			n++
			if ys[i] {
				tp++
			}
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return float64(tp) / float64(n), n
}

// macroF1 averages the per-class F1 over classes.
func macroF1(gold, pred []string, classes []string) float64 {
	var sum float64
	for _, c := range classes {
		var tp, fp, fn float64
		for i := range gold {
			switch {
			case gold[i] == c && pred[i] == c:
				tp++
			case pred[i] == c:
				fp++
			case gold[i] == c:
				fn++
			}
		}
		if tp > 0 {
			sum += 2 * tp / (2*tp + fp + fn)
		}
	}
	return sum / float64(len(classes))
}

func sortedByScore(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return 0
	})
	return idx
}

// recallAt is the share of positives with score >= threshold, and how many
// positives there are.
func recallAt(scores []float64, ys []bool, threshold float64) (float64, int) {
	var tp, n int
	for i, s := range scores {
		if ys[i] {
			n++
			if s >= threshold {
				tp++
			}
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return float64(tp) / float64(n), n
}
