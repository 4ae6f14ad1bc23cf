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

-- Comment counts per site, status and flag, kept by triggers, so that the
-- queue's tab counts do not scan 100,000 index entries on every page.
CREATE TABLE comment_counts (
    site_id TEXT NOT NULL,
    status  TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (site_id, status, flagged)
) WITHOUT ROWID;
INSERT INTO comment_counts (site_id, status, flagged, n)
    SELECT site_id, status, flagged, count(*) FROM comments GROUP BY site_id, status, flagged;
CREATE TRIGGER comment_counts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comment_counts (site_id, status, flagged, n) VALUES (NEW.site_id, NEW.status, NEW.flagged, 1)
        ON CONFLICT (site_id, status, flagged) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER comment_counts_update AFTER UPDATE OF site_id, status, flagged ON comments
    WHEN OLD.site_id IS NOT NEW.site_id OR OLD.status IS NOT NEW.status OR OLD.flagged IS NOT NEW.flagged BEGIN
    UPDATE comment_counts SET n = n - 1 WHERE site_id = OLD.site_id AND status = OLD.status AND flagged = OLD.flagged;
    INSERT INTO comment_counts (site_id, status, flagged, n) VALUES (NEW.site_id, NEW.status, NEW.flagged, 1)
        ON CONFLICT (site_id, status, flagged) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER comment_counts_delete AFTER DELETE ON comments BEGIN
    UPDATE comment_counts SET n = n - 1 WHERE site_id = OLD.site_id AND status = OLD.status AND flagged = OLD.flagged;
END;
