-- essaim schema, version 7: the index of public ids follows the order of insertion (issue 5).
--
-- A public id is a UUID, so each new offer's entry in a plain index of public ids lands on a
-- random page: with a million offers stored, each new offer of a fetch dirtied a page of its
-- own in that index (some 12,000 pages), which the commit then wrote to the log. The index now leads with the offer's id divided into buckets of 16,384 ids
-- (id >> 14): new offers land in the last bucket, a few hundred pages whatever the database
-- holds. A lookup by public id probes each bucket (Store::offer_by_id: some 60 probes at a
-- million offers, a fraction of a millisecond).
--
-- The uniqueness of public ids came with that index (UNIQUE in CREATE TABLE), which SQLite
-- can only drop by rebuilding the table. A public id is derived from (feed_id, identity),
-- which stays unique, so the rebuilt table keeps that constraint alone. The store runs its
-- migrations with foreign keys off (the DROP below would otherwise delete every posting's
-- features through their ON DELETE CASCADE) and checks them before committing.
CREATE TABLE offers_v7 (
    id              INTEGER PRIMARY KEY,
    public_id       TEXT NOT NULL,            -- stable UUID of (feed_id, identity)
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
    region          TEXT,                     -- region INSEE code, "84"
    department      TEXT,                     -- "69", "2A", "974"
    commune         TEXT,                     -- commune INSEE code
    contract        TEXT,                     -- contract code, "cdi"
    working_time    TEXT,                     -- full_time | part_time
    sector          TEXT,
    cluster_id      INTEGER,                  -- offers.id of the cluster's first posting
    valid_through   TEXT,                     -- RFC 3339: past it, an open offer is expired
    UNIQUE (feed_id, identity)
);
INSERT INTO offers_v7 (id, public_id, feed_id, identity, content_hash, status, title, url,
        employer, published_at, updated_at, sort_at, first_seen_at, last_seen_at, changed_at,
        missed_fetches, last_seen_attempt, closed_at, data, source, region, department,
        commune, contract, working_time, sector, cluster_id, valid_through)
    SELECT id, public_id, feed_id, identity, content_hash, status, title, url,
        employer, published_at, updated_at, sort_at, first_seen_at, last_seen_at, changed_at,
        missed_fetches, last_seen_attempt, closed_at, data, source, region, department,
        commune, contract, working_time, sector, cluster_id, valid_through
    FROM offers ORDER BY id;
DROP TABLE offers;
ALTER TABLE offers_v7 RENAME TO offers;

-- The lookup by public id (the expression must be written the same in Store::offer_by_id).
CREATE INDEX offers_public ON offers(id >> 14, public_id);
-- The indexes of versions 1 to 6, as they were.
CREATE INDEX offers_open_order ON offers(status, sort_at DESC, id DESC);
CREATE INDEX offers_region ON offers(region, status);
CREATE INDEX offers_department ON offers(department, status);
CREATE INDEX offers_commune ON offers(commune, status);
CREATE INDEX offers_contract ON offers(contract, status);
CREATE INDEX offers_open_id ON offers(status, id DESC);
CREATE INDEX offers_cluster ON offers(cluster_id);
CREATE INDEX offers_feed_status ON offers(feed_id, status);
CREATE INDEX offers_expiry ON offers(valid_through) WHERE status = 'open' AND valid_through IS NOT NULL;
CREATE INDEX offers_retention ON offers(closed_at) WHERE status <> 'open';
CREATE INDEX offers_dedup ON offers(id, cluster_id);
