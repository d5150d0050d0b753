-- essaim schema, version 13: the full-text index records in which column a word is, not
-- where in it (issue 20).
--
-- With the default `detail = full`, the index stored each word's positions, for phrase and
-- NEAR queries, which essaim never asks: a search matches every word of the query as a
-- prefix, in any column or in the employer's (src/store/search.rs, `fts_query`). With
-- `detail = column`, after the first ingest of bench/ingest.sh (100,000 offers), the index
-- holds 229 bytes an offer instead of about 415 (the database 2,772 bytes an offer instead of
-- 2,957), and the ingest takes some 3% less time. Such an index refuses a phrase, so
-- `fts_query` only ever asks single words: it cuts the query where the tokenizer would.
--
-- Rebuilt from the offers, as version 11 built it. The offer's JSON is stored compressed
-- since version 11: `essaim_unpack_data`, a function the store registers on its connection
-- before migrating (src/store/migrations.rs), gives it back as text (NULL, with a warning
-- naming the offer, for a row it cannot read: that offer is then indexed without its
-- description).
DROP TABLE offers_fts;
CREATE VIRTUAL TABLE offers_fts USING fts5(
    title, employer, description,
    content = '', contentless_delete = 1, detail = column,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO offers_fts (rowid, title, employer, description)
    SELECT id, title, coalesce(employer, ''),
      coalesce(json_extract(essaim_unpack_data(id, data), '$.description_text'), '')
    FROM offers;
