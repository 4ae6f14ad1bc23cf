//go:build !unix

package classify

func cpuSeconds() float64 { return 0 }
