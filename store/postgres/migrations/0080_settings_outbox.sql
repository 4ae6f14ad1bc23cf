-- Site settings that grow with features, kept as one JSON object; the
-- emails proven on each site; and the outbox of messages and webhook calls,
-- written in the same transaction as the change that causes them. The
-- payload is text, not jsonb, so that a webhook body is sent byte for byte
-- as it was queued.
ALTER TABLE sites ADD COLUMN settings text NOT NULL DEFAULT '{}';

CREATE TABLE commenter_verifications (
    site_id     text NOT NULL REFERENCES sites(id),
    email_hmac  bytea NOT NULL,
    method      text NOT NULL CHECK (method IN ('email', 'sso')),
    verified_at timestamptz NOT NULL,
    PRIMARY KEY (site_id, email_hmac)
);

CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL,
    topic         text NOT NULL,
    site_id       text NOT NULL DEFAULT '',
    comment_id    bigint NOT NULL DEFAULT 0,
    target        text NOT NULL DEFAULT '',
    payload       text NOT NULL DEFAULT '{}',
    message_id    text NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    next_attempt  timestamptz NOT NULL,
    claimed_until timestamptz,
    created_at    timestamptz NOT NULL,
    sent_at       timestamptz,
    last_error    text NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt) WHERE sent_at IS NULL;
CREATE INDEX outbox_list ON outbox (site_id, kind, id);
