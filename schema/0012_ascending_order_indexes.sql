-- essaim schema, version 12: the two indexes of the listing orders are ascending (issue 20).
--
-- offers_open_order (status, sort_at DESC, id DESC) and offers_open_id (status, id DESC) put
-- each new offer (the greatest id, most often the latest date) at the front of the open
-- offers' range: a page split there leaves both halves half empty, and these two indexes
-- were half empty (47% and 28% of their pages unused, 79 bytes a stored offer for 45 of
-- entries, measured with dbstat after bench/ingest.sh). Ascending, a new entry goes at the
-- end of the index, where SQLite fills pages whole. The listings read them backwards
-- (ORDER BY ... DESC); EXPLAIN QUERY PLAN gives the same plans, without a sort.
--
-- Both also named id, the rowid, which every index entry ends with anyway: (status, sort_at)
-- and (status) hold the same entries in the same order, each 3 bytes shorter.
DROP INDEX offers_open_order;
CREATE INDEX offers_open_order ON offers(status, sort_at);
DROP INDEX offers_open_id;
CREATE INDEX offers_open_id ON offers(status);

-- Without statistics, SQLite rates `status = ? AND id > ?` on offers_open_id and
-- `cluster_id = ? AND id > ?` on offers_cluster alike, and takes the index it meets first,
-- the one created last. The listings' check that an offer is its cluster's newest open posting
-- (search.rs, VISIBLE) must read offers_cluster (a few rows), not every newer open offer:
-- created again after the two above, it stays first (the order version 7 left them in).
DROP INDEX offers_cluster;
CREATE INDEX offers_cluster ON offers(cluster_id);
