package comment

// PolicySettings are a site's moderation rules beyond the columns of the
// sites table (modes per section, rule thresholds and lists). They are kept
// as JSON in sites.settings, so a new field needs no migration.
type PolicySettings struct{}
