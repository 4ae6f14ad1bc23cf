-- Change notices between the processes sharing this file (a running server
-- and the CLI): each process's Bus polls for rows newer than the last it
-- saw. Rows are pruned after a minute. Not copied to PostgreSQL, whose bus
-- is LISTEN/NOTIFY.
CREATE TABLE changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    sender     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
