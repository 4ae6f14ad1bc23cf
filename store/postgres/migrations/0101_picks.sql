-- Editors' picks: the published comments an editor featured on their
-- article, and who featured them when.
CREATE TABLE comment_picks (
    comment_id  BIGINT PRIMARY KEY REFERENCES comments(id) ON DELETE CASCADE,
    featured_by TEXT NOT NULL,
    featured_at timestamptz NOT NULL
);
