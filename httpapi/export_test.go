package httpapi

import "time"

// MaxHashesInFlight is the most password hashes that ran at once.
func (s *Server) MaxHashesInFlight() int64 { return s.hashes.maxInFlight.Load() }

// SetHashWait sets how long a login waits for a hashing slot.
func (s *Server) SetHashWait(d time.Duration) { s.hashes.wait = d }
