-- Imports: each comment's format (how its body is rendered), and where an
-- imported comment came from, so that a re-import creates no duplicate and a
-- reply finds its parent even when the parent arrives later.
ALTER TABLE comments ADD COLUMN format TEXT NOT NULL DEFAULT 'markdown' CHECK (format IN ('markdown', 'html'));

CREATE TABLE comment_sources (
    comment_id       INTEGER PRIMARY KEY REFERENCES comments(id),
    article_id       INTEGER NOT NULL REFERENCES articles(id),
    source           TEXT NOT NULL,             -- wordpress, disqus, isso, remark42, commento, parley
    source_id        TEXT NOT NULL,             -- the comment's ID in the source
    parent_source    TEXT NOT NULL DEFAULT '',  -- the parent's source and ID, '' for a top-level comment
    parent_source_id TEXT NOT NULL DEFAULT '',
    UNIQUE (article_id, source, source_id)
);
-- Replies whose parent has not been found yet (orphans, or parents later in
-- the file).
CREATE INDEX comment_sources_parent ON comment_sources (article_id, parent_source, parent_source_id) WHERE parent_source_id != '';
