package httpapi

// ThreadCacheStats reports how many thread reads the cache answered (hits)
// and how many had to be rendered from the database (misses) since the
// Server started, for the metrics endpoint.
func (s *Server) ThreadCacheStats() (hits, misses uint64) {
	return s.threads.hits.Load(), s.threads.misses.Load()
}
