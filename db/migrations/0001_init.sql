-- Strategies: the current version of each, and every version ever saved.
create table strategies (
  id text primary key,
  name text not null,
  version integer not null,
  source text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table strategy_versions (
  strategy_id text not null references strategies (id) on delete cascade,
  version integer not null,
  source text not null,
  created_at timestamptz not null default now(),
  primary key (strategy_id, version)
);

-- Paper trading sessions. `strategy_source` is the exact document the session runs.
create table sessions (
  id text primary key,
  strategy_id text,
  strategy_name text not null,
  strategy_source text not null,
  symbol text not null,
  options jsonb not null,
  status text not null,
  feed text not null,
  simulated boolean not null,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Append-only event log: every order, fill, closed trade, signal and equity sample,
-- numbered per session. Written idempotently (the key is (session_id, seq)).
create table session_events (
  session_id text not null references sessions (id) on delete cascade,
  seq bigint not null,
  type text not null,
  time bigint not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  primary key (session_id, seq)
);

-- The latest consistent state of each session, written in the same transaction as
-- the events it includes: restore never sees a book that disagrees with its history.
create table session_snapshots (
  session_id text primary key references sessions (id) on delete cascade,
  seq bigint not null,
  state jsonb not null,
  updated_at timestamptz not null default now()
);

-- Read models projected from the event log in the same transaction.
create table orders (
  session_id text not null references sessions (id) on delete cascade,
  id text not null,
  status text not null,
  body jsonb not null,
  updated_at bigint not null,
  primary key (session_id, id)
);

create table fills (
  session_id text not null references sessions (id) on delete cascade,
  id text not null,
  order_id text not null,
  symbol text not null,
  side text not null,
  price double precision not null,
  quantity double precision not null,
  fee double precision not null,
  liquidity text not null,
  slippage double precision not null,
  time bigint not null,
  tag text,
  primary key (session_id, id)
);

create table closed_trades (
  session_id text not null references sessions (id) on delete cascade,
  id text not null,
  body jsonb not null,
  exit_time bigint not null,
  primary key (session_id, id)
);

create table equity_samples (
  session_id text not null references sessions (id) on delete cascade,
  time bigint not null,
  equity double precision not null,
  primary key (session_id, time)
);

create table backtests (
  id text primary key,
  status text not null,
  progress double precision not null default 0,
  params jsonb not null,
  result jsonb,
  error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);

create index fills_session_time on fills (session_id, time);
create index closed_trades_session_time on closed_trades (session_id, exit_time);
create index sessions_status on sessions (status);
