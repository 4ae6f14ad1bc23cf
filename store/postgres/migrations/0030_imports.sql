-- Imports: each comment's format (how its body is rendered), and where an
-- imported comment came from, so that a re-import creates no duplicate and a
-- reply finds its parent even when the parent arrives later.
ALTER TABLE comments ADD COLUMN format text NOT NULL DEFAULT 'markdown' CHECK (format IN ('markdown', 'html'));

CREATE TABLE comment_sources (
    comment_id       bigint PRIMARY KEY REFERENCES comments(id),
    article_id       bigint NOT NULL REFERENCES articles(id),
    source           text NOT NULL,
    source_id        text NOT NULL,
    parent_source    text NOT NULL DEFAULT '',
    parent_source_id text NOT NULL DEFAULT '',
    UNIQUE (article_id, source, source_id)
);
CREATE INDEX comment_sources_parent ON comment_sources (article_id, parent_source, parent_source_id) WHERE parent_source_id != '';
