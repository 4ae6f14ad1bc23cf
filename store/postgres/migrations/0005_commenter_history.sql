-- The commenter's history is read on every submission (their standing) and
-- for every queue item (their counts and first comment): answer it from one
-- index (an index-only scan once vacuumed). It replaces the two narrower
-- indexes it covers.
CREATE INDEX comments_commenter ON comments (site_id, email_hmac, status, created_at);
DROP INDEX comments_site_email;
DROP INDEX comments_email;
