-- essaim schema, deduplication across feeds and the life of an offer (issue 5).
--
-- A posting (a row of offers) belongs to one cluster: the postings of the same job on every
-- feed. cluster_id is the offers.id of the cluster's first posting (the smallest id among its
-- members, open or not), so the cluster's public id is that posting's public_id and does not
-- change when later postings join. A posting alone is its own cluster.
ALTER TABLE offers ADD COLUMN cluster_id INTEGER;
-- dedup::similar::Features, encoded; NULL until the posting is next seen (rows from before
-- this migration), and recomputed whenever what the decision looks at changes.
ALTER TABLE offers ADD COLUMN dedup_features BLOB;
-- The offer's validThrough (RFC 3339): past it, an open offer is expired.
ALTER TABLE offers ADD COLUMN valid_through TEXT;
UPDATE offers SET cluster_id = id;

CREATE INDEX offers_cluster ON offers(cluster_id);
-- A fetch marks and closes its own feed's open offers: without this index SQLite walks every
-- open offer (offers_open_order) for each fetch, a cost that grows with the database.
CREATE INDEX offers_feed_status ON offers(feed_id, status);
CREATE INDEX offers_expiry ON offers(valid_through) WHERE status = 'open' AND valid_through IS NOT NULL;
CREATE INDEX offers_retention ON offers(closed_at) WHERE status <> 'open';

-- Blocking keys (dedup::similar::keys): LSH band buckets and employer/title keys. A posting's
-- candidates are the postings sharing one of its keys, read through the primary key, newest
-- first and a bounded number per key, so that adding a posting costs the same whatever the
-- database holds. The store deletes a posting's keys itself (no foreign key: a cascade would
-- need a second index on offer_id).
CREATE TABLE dedup_keys (
    key         INTEGER NOT NULL,
    offer_id    INTEGER NOT NULL,
    PRIMARY KEY (key, offer_id)
) WITHOUT ROWID;
