-- Webhooks: a site's HTTP endpoints that hear of its comment events. The
-- signing secret is sealed with the server's key. Erasing a commenter's
-- data finds the comments that reply to theirs by parent and root.
CREATE TABLE webhooks (
    id            bigserial PRIMARY KEY,
    site_id       text NOT NULL REFERENCES sites(id),
    url           text NOT NULL,
    secret_cipher bytea NOT NULL,
    events        text[] NOT NULL DEFAULT '{}',
    format        text NOT NULL DEFAULT 'json' CHECK (format IN ('json', 'slack')),
    enabled       boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL
);
CREATE INDEX webhooks_site ON webhooks (site_id, id);
CREATE INDEX comments_root ON comments (root_id) WHERE root_id IS NOT NULL;
CREATE INDEX reports_reporter ON reports (site_id, reporter);
