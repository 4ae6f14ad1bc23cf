-- Bearer tokens may expire; NULL: never. Sessions and tokens are found by
-- account (a password change ends them) and sessions by expiry (a sweep
-- deletes the expired).
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
CREATE INDEX tokens_moderator ON tokens (moderator_id);
CREATE INDEX sessions_moderator ON sessions (moderator_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
