-- essaim schema, version 11: an offer's row holds each of its texts once, compressed (issue 20).
--
-- At 7 KB per stored offer, the description was held four times: in the normalised offer
-- (offers.data: as HTML and as text), in the partner's raw item (offers.source) and in the
-- full-text index's own copy of the indexed text (offers_fts_content).
--
-- offers.data and offers.source are now written compressed with zstd (src/store/packed.rs):
-- a BLOB is a zstd frame, TEXT the JSON as written before this version, still read as it is.
-- Rows are packed when they are next written (each fetch that lists an offer writes it), so
-- this migration rewrites none; `VACUUM` afterwards gives the space back to the file system.
--
-- The remote filter read the offer's JSON (json_extract), which a compressed column no longer
-- allows: the level gets a column of its own, without a type so that the booleans of offers
-- stored before the levels existed (1 / 0) keep their meaning for the filter.
ALTER TABLE offers ADD COLUMN remote;
UPDATE offers SET remote = json_extract(data, '$.location.remote');

-- The full-text index keeps no copy of the text (contentless, with deletes: SQLite 3.43): the
-- queries only match and read rowids, never the indexed columns. Rebuilt from the offers,
-- as version 3 built it.
DROP TABLE offers_fts;
CREATE VIRTUAL TABLE offers_fts USING fts5(
    title, employer, description,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO offers_fts (rowid, title, employer, description)
    SELECT id, title, coalesce(employer, ''), coalesce(json_extract(data, '$.description_text'), '')
    FROM offers;

-- No query reads offers through this index: the commune filter (a city's code or one of its
-- arrondissements', `commune = ? OR commune IN (json_each(?))`) is planned over the order's
-- index (offers_open_id or offers_open_order), as EXPLAIN QUERY PLAN shows. Every other index
-- is used by a query of the store.
DROP INDEX offers_commune;
