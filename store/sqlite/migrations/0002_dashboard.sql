-- The moderators' dashboard: site policy settings, commenter standing, and
-- the indexes its history, search and statistics reads need.
ALTER TABLE sites ADD COLUMN mode TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN banned_words TEXT NOT NULL DEFAULT '[]';  -- JSON array
ALTER TABLE sites ADD COLUMN suspect_words TEXT NOT NULL DEFAULT '[]'; -- JSON array
ALTER TABLE sites ADD COLUMN link_limit INTEGER NOT NULL DEFAULT 0;

-- A commenter's standing on one site, by the keyed hash of their email.
CREATE TABLE commenters (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    email_hmac  BLOB NOT NULL,
    standing    TEXT NOT NULL CHECK (standing IN ('trusted', 'banned')),
    standing_by TEXT NOT NULL,
    standing_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, email_hmac)
);

-- A commenter's history on a site.
CREATE INDEX comments_site_email ON comments (site_id, email_hmac, status);
-- Statistics: decisions and submissions by time.
CREATE INDEX comments_decided ON comments (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (at);
