-- Account-wide risk: the limits set through the API (null: those of the RISK_* environment)
-- and the kill switch. One row.
create table risk_settings (
  id integer primary key check (id = 1),
  limits jsonb,
  halted boolean not null default false,
  updated_at timestamptz not null default now()
);

-- The account-wide risk audit: kill switch halts and resumes, limit changes.
create table risk_audit (
  id bigserial primary key,
  time bigint not null,
  kind text not null,
  body jsonb not null
);

-- A session's risk audit lives in its event log (type 'risk'): read it without a scan.
create index session_events_risk on session_events (session_id, seq) where type = 'risk';
