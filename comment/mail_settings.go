package comment

// MailSettings are a site's email settings, kept as JSON in sites.settings.
type MailSettings struct {
	// AlertMinutes, when above zero, sends the site's moderators (those
	// with an email) an alert when the oldest pending comment has waited
	// longer than this many minutes; at most one alert per that interval.
	AlertMinutes int `json:"alert_minutes,omitempty"`
}
