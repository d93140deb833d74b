-- Client only: where each pull feed stopped. A page and its cursor commit together, so an
-- interrupted pull resumes from the last applied page.
CREATE TABLE sync_cursors (
    feed       TEXT NOT NULL PRIMARY KEY CHECK (length(feed) <= 64),
    cursor     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
