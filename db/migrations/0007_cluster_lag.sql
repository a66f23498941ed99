-- How far behind the market the slowest session of a node was at its last beat (ms;
-- null: it runs none with a worker): any node shows the cluster's worst in /api/health.
alter table cluster_nodes add column lag_ms integer;
