-- Comment counts per site, status and flag, so that the queue's counts do
-- not scan the comments of a busy site on every page. Writers never update
-- a shared counter row (which would make every submission on a site wait
-- for the one before it to commit): a trigger appends +1/-1 rows to
-- comment_count_deltas, and the store folds them into comment_counts from
-- time to time (Store.compactCounts). A count is the sum of both.
CREATE TABLE comment_counts (
    site_id text NOT NULL,
    status  text NOT NULL,
    flagged boolean NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (site_id, status, flagged)
);
CREATE TABLE comment_count_deltas (
    site_id text NOT NULL,
    status  text NOT NULL,
    flagged boolean NOT NULL,
    n       integer NOT NULL
);
INSERT INTO comment_counts (site_id, status, flagged, n)
    SELECT site_id, status, flagged, count(*) FROM comments GROUP BY site_id, status, flagged;

CREATE FUNCTION comment_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO comment_count_deltas (site_id, status, flagged, n) VALUES (OLD.site_id, OLD.status, OLD.flagged, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO comment_count_deltas (site_id, status, flagged, n) VALUES (NEW.site_id, NEW.status, NEW.flagged, 1);
    END IF;
    RETURN NULL;
END $$;

-- Emptying comments (parley copy --force) empties the counts with it.
CREATE FUNCTION comment_counts_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM comment_counts;
    DELETE FROM comment_count_deltas;
    RETURN NULL;
END $$;

CREATE TRIGGER comment_counts_insert_delete AFTER INSERT OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION comment_counts_track();
CREATE TRIGGER comment_counts_update AFTER UPDATE OF site_id, status, flagged ON comments
    FOR EACH ROW WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.flagged IS DISTINCT FROM NEW.flagged)
    EXECUTE FUNCTION comment_counts_track();
CREATE TRIGGER comment_counts_truncate AFTER TRUNCATE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION comment_counts_reset();
