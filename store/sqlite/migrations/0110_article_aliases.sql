-- Article aliases: a URL whose page names another as canonical (an AMP or
-- print page). Comments and thread reads under the alias use the canonical
-- article.
CREATE TABLE article_aliases (
    site_id    TEXT NOT NULL REFERENCES sites(id),
    url        TEXT NOT NULL,
    canonical  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, url)
);
CREATE INDEX article_aliases_canonical ON article_aliases (site_id, canonical);
