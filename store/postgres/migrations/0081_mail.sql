-- Email: what each commenter asked to hear about (written with the comment),
-- who unsubscribed, and moderators' encrypted addresses and digest intervals.
CREATE TABLE comment_notify (
    comment_id bigint PRIMARY KEY,
    topics     text NOT NULL,
    lang       text NOT NULL DEFAULT 'en'
);

CREATE TABLE mail_unsubscribes (
    site_id    text NOT NULL,
    email_hmac bytea NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (site_id, email_hmac)
);

CREATE TABLE moderator_mail (
    moderator_id bigint PRIMARY KEY REFERENCES moderators(id),
    email_cipher bytea NOT NULL,
    digest       text NOT NULL DEFAULT '',
    last_digest  timestamptz,
    last_alert   timestamptz
);

CREATE INDEX outbox_about ON outbox (comment_id, kind, topic, id);
