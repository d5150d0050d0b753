-- essaim schema, version 14: a change to an approved registration waits beside it (issue 19's
-- known limit).
--
-- Until version 13, a partner changing the format or mapping of an approved registration sent
-- it back to `pending`: its feed stopped being polled and published until the operator
-- approved it again. From version 14 the registration stays `approved`, polled as it was
-- approved (the columns of `registrations`), and the change waits here for the operator:
-- approving it copies it into `registrations` (the feed is then polled as changed), rejecting
-- it keeps the approved version polled and records the reason for the partner. A registration
-- has at most one change; a new one replaces it. Registrations that are not approved are
-- changed in place, as before, and have no row here.
--
-- Nothing to convert: a registration version 13 sent back to pending had already lost the
-- version that was approved (its columns were overwritten), so it stays pending.

CREATE TABLE registration_changes (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    format          TEXT,                  -- as registrations.format
    mapping         TEXT,                  -- as registrations.mapping
    report          TEXT,                  -- JSON: the check of the changed version
    checked_at      TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending', -- pending | rejected
    decided_at      TEXT,                  -- when the operator rejected it
    reason          TEXT                   -- the operator's reason for rejecting it
);
