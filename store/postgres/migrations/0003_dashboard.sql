-- The moderators' dashboard: site policy settings, commenter standing, and
-- the indexes its history, search and statistics reads need.
ALTER TABLE sites ADD COLUMN mode text NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN banned_words jsonb NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN suspect_words jsonb NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN link_limit integer NOT NULL DEFAULT 0;

-- A commenter's standing on one site, by the keyed hash of their email.
CREATE TABLE commenters (
    site_id     text NOT NULL REFERENCES sites(id),
    email_hmac  bytea NOT NULL,
    standing    text NOT NULL CHECK (standing IN ('trusted', 'banned')),
    standing_by text NOT NULL,
    standing_at timestamptz NOT NULL,
    PRIMARY KEY (site_id, email_hmac)
);

CREATE INDEX comments_site_email ON comments (site_id, email_hmac, status);
CREATE INDEX comments_decided ON comments (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (at);
