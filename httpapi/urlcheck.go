package httpapi

// Origin returns the lower-case scheme://host[:port] of an absolute http or
// https URL, the form in which a site's origins are kept and an article's
// URL is matched against them; false when raw is not such a URL.
func Origin(raw string) (string, bool) { return originOf(raw) }

// ValidHTTPURL reports whether raw is an absolute http(s) URL that the API
// accepts as an article URL or a commenter's website: it has an origin and
// no character that could break out of an HTML attribute.
func ValidHTTPURL(raw string) bool { return validHTTPURL(raw) }
