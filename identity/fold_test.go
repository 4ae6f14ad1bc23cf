package identity

import "testing"

func TestSkeleton(t *testing.T) {
	same := [][2]string{
		{"Ann Lee", "ann lee"},
		{"Ann Lee", "Аnn Lее"},       // Cyrillic А and е
		{"Paul", "Раul"},             // Cyrillic Р and а
		{"Nikos", "Νikοs"},           // Greek Ν and ο
		{"Bob", "B0b"},               // zero for o
		{"Bill", "Bi11"},             // ones for l
		{"Ian", "lan"},               // capital I for l
		{"José", "Jose"},             // accent
		{"Ann Lee", "Ann  Lee"},      // spaces
		{"Ann Lee", "Ann Le\u200be"}, // zero-width space
		{"Modern", "Modem"},          // rn for m
		{"Ｊｏｈｎ", "John"},             // full width
		{"Anne-Marie", "Anne Marie"},
		{"Kim", "Кim"}, // Cyrillic К
	}
	for _, p := range same {
		if a, b := Skeleton(p[0]), Skeleton(p[1]); a != b {
			t.Errorf("Skeleton(%q) = %q, Skeleton(%q) = %q; want equal", p[0], a, p[1], b)
		}
	}
	differ := [][2]string{
		{"Ann Lee", "Anna Lee"},
		{"Bob", "Rob"},
		{"Marie", "Mario"},
		{"Lee", "Les"},
	}
	for _, p := range differ {
		if a, b := Skeleton(p[0]), Skeleton(p[1]); a == b {
			t.Errorf("Skeleton(%q) = Skeleton(%q) = %q; want different", p[0], p[1], a)
		}
	}
}
