-- Alerts waiting to be delivered, one row per alert and target (a durable outbox).
-- Rows are written in the same statement as the session events they describe (or,
-- for events outside a session such as a feed outage, right after they are seen),
-- and delivered at least once by the dispatcher, which retries with backoff.
create table alert_outbox (
  key text not null,
  target text not null,
  kind text not null,
  session_id text,
  time bigint not null,
  data jsonb not null,
  -- pending (not delivered yet, retrying), delivered, failed (gave up)
  status text not null default 'pending',
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_attempt_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (key, target)
);

create index alert_outbox_due on alert_outbox (next_attempt_at) where status = 'pending';
create index alert_outbox_status on alert_outbox (status, created_at);
