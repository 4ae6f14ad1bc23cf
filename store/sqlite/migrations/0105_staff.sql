-- Staff comments: the moderator who wrote a comment from the dashboard or
-- the admin API ('' for a reader's comment); the thread badges it.
ALTER TABLE comments ADD COLUMN staff_by TEXT NOT NULL DEFAULT '';
