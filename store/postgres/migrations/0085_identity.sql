-- Sign-in for subscribers and proven emails: the newsroom account a comment
-- was posted under (a sign-in token's sub), and the comments held until
-- their author clicks the link sent to their email (kept out of the queue).
ALTER TABLE comments ADD COLUMN sso_sub text NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN awaiting_verification boolean NOT NULL DEFAULT false;
CREATE INDEX comments_awaiting ON comments (site_id, email_hmac) WHERE awaiting_verification;
