-- essaim schema, version 3: what downstream filters and search need.
-- The filter columns are copied from the normalised offer (offers.data) when it is written;
-- offers_fts indexes title, employer and description for accent- and case-insensitive search.
-- offers.sort_at is set once, when an offer is first seen, so that paging is stable.

ALTER TABLE offers ADD COLUMN region TEXT;        -- region INSEE code, "84"
ALTER TABLE offers ADD COLUMN department TEXT;    -- "69", "2A", "974"
ALTER TABLE offers ADD COLUMN commune TEXT;       -- commune INSEE code
ALTER TABLE offers ADD COLUMN contract TEXT;      -- contract code, "cdi"
ALTER TABLE offers ADD COLUMN working_time TEXT;  -- full_time | part_time
ALTER TABLE offers ADD COLUMN sector TEXT;

UPDATE offers SET
    region = json_extract(data, '$.location.region'),
    department = json_extract(data, '$.location.department'),
    commune = json_extract(data, '$.location.insee'),
    contract = json_extract(data, '$.contract'),
    working_time = json_extract(data, '$.working_time.kind'),
    sector = json_extract(data, '$.sector');

CREATE INDEX offers_region ON offers(region, status);
CREATE INDEX offers_department ON offers(department, status);
CREATE INDEX offers_commune ON offers(commune, status);
CREATE INDEX offers_contract ON offers(contract, status);
CREATE INDEX offers_open_id ON offers(status, id DESC);

CREATE VIRTUAL TABLE offers_fts USING fts5(
    title, employer, description,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO offers_fts (rowid, title, employer, description)
    SELECT id, title, coalesce(employer, ''), coalesce(json_extract(data, '$.description_text'), '')
    FROM offers;
