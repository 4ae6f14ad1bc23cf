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
	return append([]Route{
		{"GET", "/healthz", s.handle(s.healthz)},
		{"GET", "/readyz", s.handle(s.readyz)},
		{"GET", "/api/openapi.json", http.HandlerFunc(serveOpenAPI)},
		{"GET", "/metrics", s.handle(s.metrics)},

		{"POST", "/api/v1/comments", s.cors(s.handle(s.submitComment))},
		{"OPTIONS", "/api/v1/comments", s.cors(nil)},
		{"GET", "/api/v1/comments/{id}", s.cors(s.handle(s.ownComment))},
		{"PATCH", "/api/v1/comments/{id}", s.cors(s.handle(s.editComment))},
		{"DELETE", "/api/v1/comments/{id}", s.cors(s.handle(s.deleteComment))},
		{"POST", "/api/v1/comments/{id}/reports", s.cors(s.handle(s.reportComment))},
		{"OPTIONS", "/api/v1/comments/{id}/reports", s.cors(nil)},
		{"POST", "/api/v1/comments/{id}/appeal", s.cors(s.handle(s.appealComment))},
		{"OPTIONS", "/api/v1/comments/{id}/appeal", s.cors(nil)},
		{"OPTIONS", "/api/v1/comments/{id}", s.cors(nil)},
		{"POST", "/api/v1/check", s.cors(s.handle(s.check))},
		{"OPTIONS", "/api/v1/check", s.cors(nil)},
		{"GET", "/api/v1/threads", s.cors(s.handle(s.thread))},
		{"OPTIONS", "/api/v1/threads", s.cors(nil)},
		{"GET", "/api/v1/verify", s.handle(s.verifyEmail)},

		{"POST", "/api/v1/admin/login", s.handle(s.loginHandler)},
		{"POST", "/api/v1/admin/logout", s.admin(s.logout)},
		{"GET", "/api/v1/admin/me", s.admin(s.me)},
		{"GET", "/api/v1/admin/queue", s.admin(s.queue)},
		{"POST", "/api/v1/admin/comments/{id}/approve", s.admin(s.approve)},
		{"POST", "/api/v1/admin/comments/{id}/reject", s.admin(s.reject)},
		{"POST", "/api/v1/admin/comments/{id}/remove", s.admin(s.removeComment)},
		{"POST", "/api/v1/admin/comments/{id}/restore", s.admin(s.restoreComment)},
		{"POST", "/api/v1/admin/comments/{id}/reports/dismiss", s.admin(s.dismissReports)},
		{"POST", "/api/v1/admin/comments/{id}/appeal", s.admin(s.decideAppeal)},
		{"POST", "/api/v1/admin/comments/{id}/ban", s.admin(s.banCommenter)},
		{"POST", "/api/v1/admin/comments/{id}/unban", s.admin(s.unbanCommenter)},
		{"POST", "/api/v1/admin/comments/{id}/reject-pending", s.admin(s.rejectAllPending)},
		{"GET", "/api/v1/admin/reports", s.admin(s.reportedQueue)},
		{"GET", "/api/v1/admin/appeals", s.admin(s.appealsQueue)},
		{"GET", "/api/v1/admin/audit", s.admin(s.audit)},
		{"POST", "/api/v1/admin/articles/close", s.admin(s.closeArticle)},
		{"POST", "/api/v1/admin/articles/open", s.admin(s.openArticle)},

		// Webhooks and data rights (webhooks.go, datarights.go).
		{"GET", "/api/v1/admin/sites/{site}/webhooks", s.admin(s.listWebhooks)},
		{"POST", "/api/v1/admin/sites/{site}/webhooks", s.admin(s.createWebhook)},
		{"GET", "/api/v1/admin/sites/{site}/webhooks/{id}", s.admin(s.getWebhook)},
		{"PATCH", "/api/v1/admin/sites/{site}/webhooks/{id}", s.admin(s.updateWebhook)},
		{"DELETE", "/api/v1/admin/sites/{site}/webhooks/{id}", s.admin(s.deleteWebhook)},
		{"POST", "/api/v1/admin/sites/{site}/webhooks/{id}/test", s.admin(s.testWebhook)},
		{"GET", "/api/v1/admin/sites/{site}/webhooks/{id}/deliveries", s.admin(s.webhookDeliveries)},
		{"POST", "/api/v1/admin/sites/{site}/data-requests/export", s.admin(s.adminExportData)},
		{"POST", "/api/v1/admin/sites/{site}/data-requests/erase", s.admin(s.adminEraseData)},
		{"GET", "/api/v1/data-requests", s.handle(s.dataRequestForm)},
		{"POST", "/api/v1/data-requests", s.cors(s.handle(s.requestData))},
		{"OPTIONS", "/api/v1/data-requests", s.cors(nil)},
		{"GET", "/api/v1/data-requests/export", s.handle(s.exportData)},
		{"GET", "/api/v1/data-requests/erase", s.handle(s.erasePrompt)},
		{"POST", "/api/v1/data-requests/erase", s.handle(s.eraseData)},
		{"GET", "/api/v1/admin/sites/{id}/policy", s.admin(s.sitePolicy)},
		{"PATCH", "/api/v1/admin/sites/{id}/policy", s.admin(s.setSitePolicy)},
		{"POST", "/api/v1/admin/sites/{id}/policy/test", s.admin(s.testSitePolicy)},
		{"POST", "/api/v1/admin/comments/{id}/feature", s.admin(s.featureComment)},
		{"POST", "/api/v1/admin/comments", s.admin(s.staffComment)},
		{"POST", "/api/v1/admin/comments/{id}/unfeature", s.admin(s.unfeatureComment)},
	}, s.mailRoutes()...)
}

// Routes returns the served routes, for tests and documentation.
func (s *Server) Routes() []Route { return s.routes() }
