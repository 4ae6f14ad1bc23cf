package comment

// MailSettings are a site's email settings (alerts, sender), kept as JSON in
// sites.settings.
type MailSettings struct{}
