package moderation

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/parleyhq/parley/comment"
)

// disposableList is the list of disposable-email domains that ships in the
// binary: one domain a line, # comments.
//
//go:embed disposable_domains.txt
var disposableList string

var builtinDisposable = mustDomains(disposableList)

// DomainSet is a set of domains; a subdomain of a member is a member.
type DomainSet struct{ m map[string]struct{} }

// Has reports whether host is in the set or a subdomain of a member.
func (s *DomainSet) Has(host string) bool {
	if s == nil {
		return false
	}
	for {
		if _, ok := s.m[host]; ok {
			return true
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			return false
		}
		host = host[i+1:]
	}
}

// Len is the number of domains in the set.
func (s *DomainSet) Len() int { return len(s.m) }

// DisposableDomains returns the built-in list of disposable-email domains.
func DisposableDomains() *DomainSet { return builtinDisposable }

// ReadDomains reads a domain list (one a line, blank lines and # comments
// ignored), as `parley serve --disposable-domains FILE` does to replace
// the built-in list without a release. A malformed line is an error naming
// it.
func ReadDomains(r io.Reader) (*DomainSet, error) {
	s := &DomainSet{m: map[string]struct{}{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.ToLower(strings.TrimSpace(sc.Text()))
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		if !comment.ValidDomain(line) {
			return nil, fmt.Errorf("line %d: %q is not a domain", n, line)
		}
		s.m[line] = struct{}{}
	}
	return s, sc.Err()
}

func mustDomains(list string) *DomainSet {
	s, err := ReadDomains(strings.NewReader(list))
	if err != nil {
		panic(err)
	}
	return s
}
