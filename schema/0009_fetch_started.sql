-- essaim schema, version 9: a fetch is recorded as started before its body is parsed (issue 17).
--
-- A partner body that crashes the process (it once overflowed the stack) would otherwise be
-- fetched first again at every restart, and crash it again. The mark is set when a fetched
-- body is about to be parsed and cleared by the transaction that records the attempt, whatever
-- its outcome; a mark found at start-up is a fetch the process stopped during, recorded as a
-- failure (with its backoff) before anything is scheduled.

-- When the fetch being parsed and applied started; NULL when none is.
ALTER TABLE feeds ADD COLUMN fetch_started_at TEXT;
