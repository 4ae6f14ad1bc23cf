-- Email: what each commenter asked to hear about (written with the comment),
-- who unsubscribed, and moderators' encrypted addresses and digest intervals.
CREATE TABLE comment_notify (
    comment_id INTEGER PRIMARY KEY,
    topics     TEXT NOT NULL,
    lang       TEXT NOT NULL DEFAULT 'en'
);

CREATE TABLE mail_unsubscribes (
    site_id    TEXT NOT NULL,
    email_hmac BLOB NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (site_id, email_hmac)
);

CREATE TABLE moderator_mail (
    moderator_id INTEGER PRIMARY KEY REFERENCES moderators(id),
    email_cipher BLOB NOT NULL,
    digest       TEXT NOT NULL DEFAULT '',
    last_digest  INTEGER NOT NULL DEFAULT 0,
    last_alert   INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX outbox_about ON outbox (comment_id, kind, topic, id);
