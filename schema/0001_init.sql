-- essaim schema, version 1: feeds with their fetch state, every fetch attempt, and offers.
-- Instants are TEXT in RFC 3339, UTC, whole seconds ("2026-11-22T10:00:00Z"), so that text
-- order is time order.

CREATE TABLE feeds (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    network             TEXT NOT NULL,
    url                 TEXT NOT NULL,            -- as configured
    effective_url       TEXT,                     -- after permanent redirects
    in_config           INTEGER NOT NULL DEFAULT 1, -- 0 once removed from feeds.toml (offers kept)
    enabled             INTEGER NOT NULL DEFAULT 1,
    state               TEXT NOT NULL DEFAULT 'active', -- active | backing_off | gone
    etag                TEXT,
    last_modified       TEXT,
    body_hash           TEXT,
    last_attempt_at     TEXT,
    last_success_at     TEXT,
    last_status         INTEGER,
    last_error          TEXT,
    consecutive_errors  INTEGER NOT NULL DEFAULT 0,
    next_fetch_at       TEXT,
    offers_seen         INTEGER
);

CREATE TABLE fetch_attempts (
    id              INTEGER PRIMARY KEY,
    feed_id         TEXT NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    outcome         TEXT NOT NULL,            -- ok | not_modified | error
    http_status     INTEGER,
    error           TEXT,
    items_found     INTEGER,
    offers_new      INTEGER,
    offers_updated  INTEGER,
    offers_closed   INTEGER,
    warnings        TEXT                      -- JSON array of sentences
);
CREATE INDEX fetch_attempts_feed ON fetch_attempts(feed_id, started_at);

CREATE TABLE offers (
    id              INTEGER PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,     -- stable UUID of (feed_id, identity)
    feed_id         TEXT NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    identity        TEXT NOT NULL,            -- ref:… | url:… | hash:…
    content_hash    TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open', -- open | closed | expired
    title           TEXT NOT NULL,
    url             TEXT,
    employer        TEXT,
    published_at    TEXT,
    updated_at      TEXT,
    sort_at         TEXT NOT NULL,            -- published_at, else first_seen_at: the feed order
    first_seen_at   TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    changed_at      TEXT NOT NULL,
    missed_fetches  INTEGER NOT NULL DEFAULT 0, -- successful fetches of its feed that lacked it
    last_seen_attempt INTEGER,                -- fetch_attempts.id of the last fetch that had it
    closed_at       TEXT,
    data            TEXT NOT NULL,            -- the normalised offer, JSON
    source          TEXT NOT NULL,            -- the partner's item, JSON, for audit
    UNIQUE (feed_id, identity)
);
CREATE INDEX offers_open_order ON offers(status, sort_at DESC, id DESC);
