-- The dispatcher's claim: the targets with pending rows, then each target's due rows oldest
-- first. One index serves both (an index-only scan for the targets, a range per target), and
-- replaces the index on next_attempt_at alone, which made each target's lookup filter every
-- due row of the others.
create index alert_outbox_claim on alert_outbox (target, next_attempt_at) where status = 'pending';
drop index alert_outbox_due;

-- Until when a dispatcher holds a pending row for an attempt (null: none does). A claim counts
-- the rows of a target held by every process sharing the database, so a target gets at most
-- the per-target limit of deliveries at once across nodes; a held row whose process died is
-- free again when the time passes.
alter table alert_outbox add column claimed_until timestamptz;
create index alert_outbox_claimed on alert_outbox (target, claimed_until) where claimed_until is not null;
