-- essaim schema, version 6: a posting's deduplication features get a table of their own.
--
-- Every posting filed reads the features of a dozen or so candidates, by id. Version 5 read
-- them through an index on offers(id, cluster_id, dedup_features), since in offers they sit
-- behind the offer's JSON. But the interior pages of an index B-tree hold whole entries: with
-- features of some 600 bytes, six to a page, so that at a million postings the index was
-- seven or eight levels deep and each candidate read visited as many pages, most of them
-- out of the cache. The interior pages of a rowid table hold only ids: three levels.
CREATE TABLE dedup_features (
    offer_id    INTEGER PRIMARY KEY REFERENCES offers(id) ON DELETE CASCADE,
    features    BLOB NOT NULL
);
INSERT INTO dedup_features (offer_id, features)
    SELECT id, dedup_features FROM offers WHERE dedup_features IS NOT NULL;

-- The cluster of a candidate found to be the same job is still read by id, through an index
-- of small entries now.
DROP INDEX offers_dedup;
ALTER TABLE offers DROP COLUMN dedup_features;
CREATE INDEX offers_dedup ON offers(id, cluster_id);
