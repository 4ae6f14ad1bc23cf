-- Moderation at volume: the rules that held a comment, with what each saw,
-- kept on the comment as a JSON array of {rule, detail}; the old mode
-- auto_approve_trusted is now called trusted; indexes for the rules that
-- read a commenter's, an address's or a site's recent comments.
ALTER TABLE comments ADD COLUMN holds jsonb NOT NULL DEFAULT '[]';
UPDATE sites SET mode = 'trusted' WHERE mode = 'auto_approve_trusted';
CREATE INDEX comments_commenter_recent ON comments (site_id, email_hmac, created_at);
CREATE INDEX comments_address_recent ON comments (site_id, ip_hash, created_at) WHERE ip_hash IS NOT NULL;
CREATE INDEX comments_site_recent ON comments (site_id, created_at);
