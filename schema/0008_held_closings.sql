-- essaim schema, version 8: a suspicious closing is held (issue 15).
--
-- A fetch that would close more than half of a feed's open offers at once (when it has at
-- least Store's HOLD_MIN_OPEN open) is more likely an export cut short than a partner that
-- filled most of its jobs in one go. Its closing is held: those offers stay open and
-- published, and the next successful fetch that reads the feed decides. Offers it again
-- lacks are closed; offers it lists again are kept, and the hold is cleared. The rest of the
-- suspicious fetch (new and updated offers) is applied as usual.

-- 1 while the offer's closing is held: a suspicious fetch would have closed it.
ALTER TABLE offers ADD COLUMN closing_held INTEGER NOT NULL DEFAULT 0;

-- The feed's held closing, NULL when none: when the suspicious fetch finished, how many
-- offers it would have closed, and how many of the feed's offers were open before it.
ALTER TABLE feeds ADD COLUMN held_closing_at TEXT;
ALTER TABLE feeds ADD COLUMN held_closing_offers INTEGER;
ALTER TABLE feeds ADD COLUMN held_closing_open INTEGER;
