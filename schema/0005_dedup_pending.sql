-- essaim schema, version 5: blocking keys are written into dedup_keys in batches (issue 5).
--
-- A key is a random 64-bit hash, so each key written into dedup_keys (ordered by key) lands on
-- its own page once the table is large: with a million offers stored, a fetch of 100 new
-- offers dirtied about 2,300 scattered pages. Now a posting filed for deduplication is listed
-- here (appended in id order, a few pages per fetch) and its keys are kept in the store's
-- memory, where candidate lookups read them together with dedup_keys. They are derived from
-- offers.dedup_features, so the list is all that needs to be durable. Once enough postings
-- are listed, their keys are written into dedup_keys in key order, in one transaction that
-- writes each touched page once, and the list is emptied (src/store/keys.rs).
CREATE TABLE dedup_pending (
    offer_id    INTEGER PRIMARY KEY
);

-- This version also computes fewer keys (8 LSH bands instead of 16; dedup::similar), so the
-- keys stored so far are dropped and every posting with features is listed: the store
-- derives their keys afresh and writes them into dedup_keys, in key order, at its first
-- write after the upgrade.
DELETE FROM dedup_keys;
INSERT INTO dedup_pending (offer_id) SELECT id FROM offers WHERE dedup_features IS NOT NULL;

-- The features and cluster of a posting, read by id for every candidate of a posting being
-- filed (a dozen or so each). In offers they sit after the offer's JSON, so reading them from
-- the row walks its overflow pages; this index holds them next to the id (new postings are
-- appended at its end), and the candidate read goes through it (INDEXED BY).
CREATE INDEX offers_dedup ON offers(id, cluster_id, dedup_features);

-- Counts the writes of keys into dedup_keys (folds, bulk loads): a store keeps a Bloom filter
-- of the keys in dedup_keys, to skip looking up keys the table does not hold, and reads it
-- afresh when another connection has added keys since.
CREATE TABLE dedup_folds (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    folds       INTEGER NOT NULL
);
INSERT INTO dedup_folds (id, folds) VALUES (1, 0);
