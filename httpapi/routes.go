package httpapi

import "net/http"

// Route is one method and path pattern of the API.
type Route struct {
	Method  string
	Pattern string
	Handler http.Handler
}

// routes lists every route the API serves; the OpenAPI test walks this list.
func (s *Server) routes() []Route {
	return []Route{
		{"GET", "/healthz", s.handle(s.healthz)},
		{"GET", "/readyz", s.handle(s.readyz)},
		{"GET", "/api/openapi.json", http.HandlerFunc(serveOpenAPI)},
		{"GET", "/metrics", s.handle(s.metrics)},

		{"POST", "/api/v1/comments", s.cors(s.handle(s.submitComment))},
		{"OPTIONS", "/api/v1/comments", s.cors(nil)},
		{"GET", "/api/v1/comments/{id}", s.cors(s.handle(s.ownComment))},
		{"OPTIONS", "/api/v1/comments/{id}", s.cors(nil)},
		{"POST", "/api/v1/check", s.cors(s.handle(s.check))},
		{"OPTIONS", "/api/v1/check", s.cors(nil)},
		{"GET", "/api/v1/threads", s.cors(s.handle(s.thread))},
		{"OPTIONS", "/api/v1/threads", s.cors(nil)},

		{"POST", "/api/v1/admin/login", s.handle(s.loginHandler)},
		{"POST", "/api/v1/admin/logout", s.admin(s.logout)},
		{"GET", "/api/v1/admin/me", s.admin(s.me)},
		{"GET", "/api/v1/admin/queue", s.admin(s.queue)},
		{"POST", "/api/v1/admin/comments/{id}/approve", s.admin(s.approve)},
		{"POST", "/api/v1/admin/comments/{id}/reject", s.admin(s.reject)},
		{"GET", "/api/v1/admin/audit", s.admin(s.audit)},
		{"POST", "/api/v1/admin/articles/close", s.admin(s.closeArticle)},
		{"POST", "/api/v1/admin/articles/open", s.admin(s.openArticle)},
	}
}

// Routes returns the served routes, for tests and documentation.
func (s *Server) Routes() []Route { return s.routes() }
