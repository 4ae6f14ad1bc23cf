package main

import (
	"strings"
	"testing"
	"time"
)

// --expires takes a duration or a date (or RFC 3339 time) in the future;
// anything else is refused with the flag's name and an example.
func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"720h", now.Add(720 * time.Hour)},
		{"1s", now.Add(time.Second)},
		{"2027-01-31", time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)},
		{"2027-01-31T12:00:00+01:00", time.Date(2027, 1, 31, 11, 0, 0, 0, time.UTC)},
	} {
		got, err := parseExpiry(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseExpiry(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"soon", "-1h", "0s", "2026-11-30", "2026-12-01", "31/01/2027"} {
		if got, err := parseExpiry(in, now); err == nil || !strings.Contains(err.Error(), "--expires") {
			t.Errorf("parseExpiry(%q) = %v, %v; want an error naming --expires", in, got, err)
		}
	}
}
