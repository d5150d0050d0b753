-- essaim schema, version 2: what the politeness rules need to remember per feed.
-- feeds.state (active | backing_off | gone), consecutive_errors and next_fetch_at exist since
-- version 1; version 2 adds the partner's floor and records each attempt's decision.

-- Earliest instant the partner (Retry-After, Cache-Control max-age, Expires) or the error
-- backoff allows for the next fetch; NULL when nothing holds the feed back. A pass that is not
-- forced (`essaim fetch` without --feed) leaves the feed alone until then.
ALTER TABLE feeds ADD COLUMN not_before TEXT;

-- When the attempt planned the next fetch (NULL: not scheduled, e.g. 410 Gone). For audit.
ALTER TABLE fetch_attempts ADD COLUMN next_fetch_at TEXT;
