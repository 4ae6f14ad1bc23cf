-- A proven email proves it for the browser that asked, not for anyone who
-- types the address later: the keyed hash of a random key the widget holds,
-- recorded once the link emailed for it is clicked.
CREATE TABLE commenter_keys (
    key_hash   bytea PRIMARY KEY,
    site_id    text NOT NULL REFERENCES sites(id),
    email_hmac bytea NOT NULL,
    proven_at  timestamptz NOT NULL
);
