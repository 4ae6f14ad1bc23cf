-- The sites a moderator may work on; an empty list means every site.
ALTER TABLE moderators ADD COLUMN sites jsonb NOT NULL DEFAULT '[]';
