-- The queue's counts per rule read the holds of every pending comment a
-- rule held: a partial index holding them lets that read skip the rows.
CREATE INDEX comments_pending_holds ON comments (site_id, holds) WHERE status = 'pending' AND holds <> '[]';
