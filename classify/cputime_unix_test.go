//go:build unix

package classify

import "syscall"

// cpuSeconds is the user+system CPU time of this process so far, so a
// benchmark can report work per CPU-second, which waiting for a busy CPU
// does not change.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
