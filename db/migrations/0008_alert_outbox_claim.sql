-- The dispatcher's claim: the targets with pending rows, then each target's due rows oldest
-- first. One index serves both (an index-only scan for the targets, a range per target), and
-- replaces the index on next_attempt_at alone, which made each target's lookup filter every
-- due row of the others.
create index alert_outbox_claim on alert_outbox (target, next_attempt_at) where status = 'pending';
drop index alert_outbox_due;
