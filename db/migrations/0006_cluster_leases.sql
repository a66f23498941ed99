-- The cluster's name on NATS: every node on this database uses it in its subjects
-- and stream, so clusters sharing one NATS server never hear each other.
create table cluster_identity (id text primary key);
insert into cluster_identity (id) select substr(md5(random()::text || clock_timestamp()::text), 1, 12);

-- Nodes of a cluster (NATS_URL set): each one beats here; a node whose beat is
-- older than the lease time is gone, and its sessions move to the others.
create table cluster_nodes (
  id text primary key,
  url text not null,
  started_at timestamptz not null default now(),
  seen_at timestamptz not null default now()
);

-- Fencing tokens: every new lease of a session takes the next one, so a later
-- owner always holds a larger token than any earlier one.
create sequence session_lease_tokens;

-- Which node runs each session, until when. Every commit of a session's events
-- checks its token here in the same statement: a node that lost the lease can
-- never write again.
create table session_leases (
  session_id text primary key references sessions (id) on delete cascade,
  node_id text not null,
  token bigint not null,
  expires_at timestamptz not null
);
create index session_leases_node on session_leases (node_id);

-- Which node ingests each market feed (`venue.SYMBOL`) for the whole cluster,
-- until when; another node takes it over once it expires.
create table feed_leases (
  feed text primary key,
  node_id text not null,
  expires_at timestamptz not null
);
