-- essaim schema, version 10: partner networks register their own feeds (issue 19).
--
-- An operator gives each partner network a token (`essaim token create --network NAME`); only
-- its SHA-256 is kept. With it, the network registers feed URLs; each registration waits as
-- `pending` until the operator approves or rejects it. An approved registration is polled like
-- a feed of feeds.toml, under the feed id `partner-<registration id>`.

CREATE TABLE partner_tokens (
    id           INTEGER PRIMARY KEY,
    network      TEXT NOT NULL,
    hash         TEXT NOT NULL,        -- hex SHA-256 of the whole token; the token is not kept
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT                  -- a revoked token is refused like an unknown one
);

CREATE TABLE registrations (
    id          INTEGER PRIMARY KEY,
    network     TEXT NOT NULL,
    token_id    INTEGER REFERENCES partner_tokens(id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    format      TEXT,                  -- declared format, NULL: sniffed
    mapping     TEXT,                  -- JSON object {"items": ..., "title": ...}, NULL: none
    state       TEXT NOT NULL DEFAULT 'pending', -- pending | approved | rejected | withdrawn
    report      TEXT,                  -- JSON: the validation report of the last check
    created_at  TEXT NOT NULL,
    checked_at  TEXT NOT NULL,         -- when the report was made
    decided_at  TEXT,                  -- when it was approved, rejected or withdrawn
    reason      TEXT                   -- the operator's reason for a rejection
);
CREATE INDEX registrations_network ON registrations(network, state);

-- Where a feed comes from: 'config' (feeds.toml) or 'partner' (an approved registration).
ALTER TABLE feeds ADD COLUMN origin TEXT NOT NULL DEFAULT 'config';
