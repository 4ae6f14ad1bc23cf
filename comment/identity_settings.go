package comment

// IdentitySettings are a site's email verification and single sign-on
// settings, kept as JSON in sites.settings.
type IdentitySettings struct{}
