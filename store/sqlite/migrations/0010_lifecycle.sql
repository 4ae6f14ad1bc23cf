-- parley:foreign-keys-off
-- The life of a comment after it is sent: removed and deleted statuses (a
-- CHECK constraint, so the table is rebuilt as SQLite's ALTER TABLE
-- documentation prescribes, with foreign keys off and checked after),
-- revisions, reader reports, appeals, timed bans and address bans, audit
-- entries about articles (no comment), and the lifecycle site settings.
CREATE TABLE comments_new (
    id              INTEGER PRIMARY KEY,
    site_id         TEXT NOT NULL REFERENCES sites(id),
    article_id      INTEGER NOT NULL REFERENCES articles(id),
    parent_id       INTEGER REFERENCES comments(id),
    root_id         INTEGER REFERENCES comments(id),
    author_name     TEXT NOT NULL,
    author_website  TEXT NOT NULL DEFAULT '',
    email_cipher    BLOB NOT NULL,
    email_hmac      BLOB NOT NULL,
    ip_hash         BLOB,
    body            TEXT NOT NULL,
    html            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'spam', 'removed', 'deleted')),
    edit_token_hash BLOB NOT NULL,
    score           REAL NOT NULL DEFAULT -1,
    flagged         INTEGER NOT NULL DEFAULT 0,
    spans           TEXT NOT NULL DEFAULT '[]',
    reason          TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    decided_at      INTEGER,
    decided_by      TEXT NOT NULL DEFAULT '',
    revision_of     INTEGER REFERENCES comments(id),
    edited_at       INTEGER
);
INSERT INTO comments_new (id, site_id, article_id, parent_id, root_id, author_name, author_website, email_cipher, email_hmac,
    ip_hash, body, html, status, edit_token_hash, score, flagged, spans, reason, note, created_at, decided_at, decided_by)
    SELECT id, site_id, article_id, parent_id, root_id, author_name, author_website, email_cipher, email_hmac,
    ip_hash, body, html, status, edit_token_hash, score, flagged, spans, reason, note, created_at, decided_at, decided_by FROM comments;
DROP TABLE comments;
ALTER TABLE comments_new RENAME TO comments;
-- The thread read: what readers see of one article (published comments and
-- the tombstones of removed or deleted ones), top-level (root_id IS NULL) or
-- of given roots, in time order. Revisions waiting for review are not in it.
CREATE INDEX comments_thread ON comments (article_id, root_id, created_at, id)
    WHERE status IN ('approved', 'removed', 'deleted') AND revision_of IS NULL;
CREATE INDEX comments_queue ON comments (status, flagged DESC, created_at, id);
CREATE INDEX comments_site_queue ON comments (site_id, status, flagged DESC, created_at, id);
CREATE INDEX comments_ip_retention ON comments (created_at) WHERE ip_hash IS NOT NULL;
CREATE INDEX comments_decided ON comments (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX comments_commenter ON comments (site_id, email_hmac, status, created_at);
CREATE INDEX comments_revision ON comments (revision_of) WHERE revision_of IS NOT NULL;
CREATE INDEX comments_parent ON comments (parent_id) WHERE parent_id IS NOT NULL;
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

-- Audit entries about an article carry no comment, and name it in target.
CREATE TABLE audit_log_new (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    moderator  TEXT NOT NULL,
    action     TEXT NOT NULL,
    comment_id INTEGER REFERENCES comments(id),
    site_id    TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    target     TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_log_new (id, at, moderator, action, comment_id, site_id, reason, note)
    SELECT id, at, moderator, action, comment_id, site_id, reason, note FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_site ON audit_log (site_id, id);
CREATE INDEX audit_log_comment ON audit_log (comment_id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    comment_id   INTEGER NOT NULL REFERENCES comments(id),
    site_id      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    explanation  TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    email_cipher BLOB,
    reporter     BLOB NOT NULL,
    good_faith   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    dismissed_at INTEGER,
    UNIQUE (comment_id, reporter)
);
CREATE INDEX reports_open ON reports (site_id, comment_id) WHERE dismissed_at IS NULL;

CREATE TABLE appeals (
    comment_id      INTEGER PRIMARY KEY REFERENCES comments(id),
    site_id         TEXT NOT NULL,
    message         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    original_status TEXT NOT NULL,
    original_reason TEXT NOT NULL DEFAULT '',
    original_note   TEXT NOT NULL DEFAULT '',
    original_by     TEXT NOT NULL DEFAULT '',
    outcome         TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      INTEGER,
    note            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX appeals_waiting ON appeals (site_id, created_at) WHERE outcome = '';

ALTER TABLE commenters ADD COLUMN standing_until INTEGER;
ALTER TABLE commenters ADD COLUMN standing_reason TEXT NOT NULL DEFAULT '';

CREATE TABLE address_bans (
    site_id TEXT NOT NULL REFERENCES sites(id),
    ip_hash BLOB NOT NULL,
    until   INTEGER NOT NULL,
    reason  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (site_id, ip_hash)
);

ALTER TABLE sites ADD COLUMN edit_window_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN report_hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN address_ban_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN tracking_params TEXT NOT NULL DEFAULT '[]';
ALTER TABLE articles ADD COLUMN title_verified INTEGER NOT NULL DEFAULT 0;
