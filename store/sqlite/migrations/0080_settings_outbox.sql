-- Site settings that grow with features, kept as one JSON object; the
-- emails proven on each site; and the outbox of messages and webhook calls,
-- written in the same transaction as the change that causes them. Unsent
-- and unclaimed are NULL, as on PostgreSQL, so that `parley copy` moves
-- them as they are.
ALTER TABLE sites ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

CREATE TABLE commenter_verifications (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    email_hmac  BLOB NOT NULL,
    method      TEXT NOT NULL CHECK (method IN ('email', 'sso')),
    verified_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, email_hmac)
);

CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    topic         TEXT NOT NULL,
    site_id       TEXT NOT NULL DEFAULT '',
    comment_id    INTEGER NOT NULL DEFAULT 0,
    target        TEXT NOT NULL DEFAULT '',
    payload       TEXT NOT NULL DEFAULT '{}',
    message_id    TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL,
    claimed_until INTEGER,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER,
    last_error    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt) WHERE sent_at IS NULL;
CREATE INDEX outbox_list ON outbox (site_id, kind, id);
