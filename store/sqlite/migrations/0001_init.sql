-- Parley's first schema. Times are Unix microseconds (UTC).
CREATE TABLE sites (
    id                    TEXT PRIMARY KEY,
    origins               TEXT NOT NULL,              -- JSON array of scheme://host[:port]
    flag_threshold        REAL NOT NULL DEFAULT 0,
    auto_reject_threshold REAL NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL
);

CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    site_id        TEXT NOT NULL REFERENCES sites(id),
    url            TEXT NOT NULL,
    title          TEXT NOT NULL,
    closed         INTEGER NOT NULL DEFAULT 0,
    approved_count INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    UNIQUE (site_id, url)
);

CREATE TABLE comments (
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
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'spam')),
    edit_token_hash BLOB NOT NULL,
    score           REAL NOT NULL DEFAULT -1,
    flagged         INTEGER NOT NULL DEFAULT 0,
    spans           TEXT NOT NULL DEFAULT '[]',
    reason          TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    decided_at      INTEGER,
    decided_by      TEXT NOT NULL DEFAULT ''
);

-- The thread read: approved comments of one article, top-level (root_id IS
-- NULL) or of given roots, in time order.
CREATE INDEX comments_thread ON comments (article_id, status, root_id, created_at, id);
-- The queue read, on all sites or one: flagged first, then oldest.
CREATE INDEX comments_queue ON comments (status, flagged DESC, created_at, id);
CREATE INDEX comments_site_queue ON comments (site_id, status, flagged DESC, created_at, id);
CREATE INDEX comments_email ON comments (email_hmac);
CREATE INDEX comments_ip_retention ON comments (created_at) WHERE ip_hash IS NOT NULL;

CREATE TABLE moderators (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'moderator')),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE tokens (
    token_hash   BLOB PRIMARY KEY,
    moderator_id INTEGER NOT NULL REFERENCES moderators(id),
    created_at   INTEGER NOT NULL
);

CREATE TABLE sessions (
    session_hash BLOB PRIMARY KEY,
    moderator_id INTEGER NOT NULL REFERENCES moderators(id),
    csrf         TEXT NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    moderator  TEXT NOT NULL,
    action     TEXT NOT NULL,
    comment_id INTEGER NOT NULL REFERENCES comments(id),
    site_id    TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_site ON audit_log (site_id, id);
CREATE INDEX audit_log_comment ON audit_log (comment_id);
