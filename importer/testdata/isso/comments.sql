-- An Isso database, written for Parley's tests from Isso's own schema
-- (isso/db/threads.py and isso/db/comments.py). Modes are Isso's: 1
-- accepted, 2 waiting for moderation, 4 deleted with replies (text emptied).
CREATE TABLE IF NOT EXISTS threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE IF NOT EXISTS comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR, author VARCHAR,
    email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);
INSERT INTO threads VALUES (1, '/2023/hello-world/', 'Hello, World'), (2, '/about/', NULL);
INSERT INTO comments (tid, id, parent, created, mode, remote_addr, text, author, email, website, voters) VALUES
    (1, 1, NULL, 1672531200.25, 1, '127.0.0.0', 'First, with *Markdown*.', 'Ada', 'ada@example.org', 'https://ada.example', x'00'),
    (1, 2, 1, 1672534800.0, 1, '127.0.0.0', 'A reply.', 'Grace', NULL, NULL, x'00'),
    (1, 3, NULL, 1672538400.0, 2, '127.0.0.0', 'Waiting for a moderator.', NULL, NULL, NULL, x'00'),
    (1, 4, NULL, 1672542000.0, 4, '127.0.0.0', '', NULL, NULL, NULL, x'00'),
    (1, 5, 4, 1672545600.0, 1, '127.0.0.0', 'Replying to a deleted comment.', 'Linus', NULL, NULL, x'00'),
    (2, 6, 99, 1672549200.0, 1, '127.0.0.0', 'My parent is gone.', 'Ken', NULL, NULL, x'00');
