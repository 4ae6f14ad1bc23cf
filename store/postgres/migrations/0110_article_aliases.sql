-- Article aliases: a URL whose page names another as canonical (an AMP or
-- print page). Comments and thread reads under the alias use the canonical
-- article.
CREATE TABLE article_aliases (
    site_id    text NOT NULL REFERENCES sites(id),
    url        text NOT NULL,
    canonical  text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (site_id, url)
);
CREATE INDEX article_aliases_canonical ON article_aliases (site_id, canonical);
