-- The sites a moderator may work on; an empty list means every site.
ALTER TABLE moderators ADD COLUMN sites TEXT NOT NULL DEFAULT '[]'; -- JSON array of site IDs
