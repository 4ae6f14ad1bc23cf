-- Webhooks: a site's HTTP endpoints that hear of its comment events. The
-- signing secret is sealed with the server's key; events is a JSON array.
-- Erasing a commenter's data finds the comments that reply to theirs by
-- parent and root (indexes below; comments_parent exists already).
CREATE TABLE webhooks (
    id            INTEGER PRIMARY KEY,
    site_id       TEXT NOT NULL REFERENCES sites(id),
    url           TEXT NOT NULL,
    secret_cipher BLOB NOT NULL,
    events        TEXT NOT NULL DEFAULT '[]',
    format        TEXT NOT NULL DEFAULT 'json' CHECK (format IN ('json', 'slack')),
    enabled       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);
CREATE INDEX webhooks_site ON webhooks (site_id, id);
CREATE INDEX comments_root ON comments (root_id) WHERE root_id IS NOT NULL;
CREATE INDEX reports_reporter ON reports (site_id, reporter);
