-- Why a session's worker last restarted, and how often: shown with the session.
alter table sessions add column restarts integer not null default 0;
alter table sessions add column restart_reason text;

-- A client's Idempotency-Key on create: a retried request finds the session the
-- first one created (the digest tells a retry from a different request).
alter table sessions add column idempotency_key text;
alter table sessions add column request_digest text;
create unique index sessions_idempotency_key on sessions (idempotency_key);
