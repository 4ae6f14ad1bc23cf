package dashboard

import (
	"context"
	"unicode"

	"github.com/parleyhq/parley/comment"
)

// revision is an author's edit of a published comment, waiting in the
// queue: approving it replaces the published text (Of).
type revision struct {
	Of   int64
	Diff []diffPart
}

// diffPart is a run of text kept (Op ""), inserted ("+") or deleted ("-").
type diffPart struct {
	Op   string
	Text string
}

// revisionOf fills in what a revision changes, for comments that are one.
func (h *Handler) revisionOf(ctx context.Context, it *item) error {
	if it.RevisionOf == 0 {
		return nil
	}
	orig, err := h.Store.Comment(ctx, it.RevisionOf)
	if comment.ErrorCode(err) == comment.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	it.Revision = &revision{Of: orig.ID, Diff: wordDiff(orig.Body, it.Comment.Body)}
	return nil
}

// maxDiffTokens bounds the word diff's table; longer texts are shown as
// the old text deleted and the new one inserted.
const maxDiffTokens = 2500

// wordDiff compares two texts word by word (whitespace runs are tokens
// too, so the parts put together give back each text exactly).
func wordDiff(a, b string) []diffPart {
	x, y := tokens(a), tokens(b)
	if len(x) > maxDiffTokens || len(y) > maxDiffTokens {
		return merge(nil, diffPart{"-", a}, diffPart{"+", b})
	}
	// lcs[i][j] is the length of the longest common subsequence of x[i:]
	// and y[j:].
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffPart
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = merge(out, diffPart{"", x[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = merge(out, diffPart{"-", x[i]})
			i++
		default:
			out = merge(out, diffPart{"+", y[j]})
			j++
		}
	}
	for ; i < len(x); i++ {
		out = merge(out, diffPart{"-", x[i]})
	}
	for ; j < len(y); j++ {
		out = merge(out, diffPart{"+", y[j]})
	}
	return out
}

// merge appends parts, joining each to the previous one of the same kind.
func merge(out []diffPart, parts ...diffPart) []diffPart {
	for _, p := range parts {
		if p.Text == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Op == p.Op {
			out[n-1].Text += p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}

// tokens cuts s into runs of whitespace and runs of anything else.
func tokens(s string) []string {
	var out []string
	start, space := 0, false
	for i, r := range s {
		if sp := unicode.IsSpace(r); i == 0 {
			space = sp
		} else if sp != space {
			out = append(out, s[start:i])
			start, space = i, sp
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
