-- Backtest jobs stored on a PostgreSQL server before this migration hold their params and result as
-- JSON strings (double-encoded): decode them.
update backtests set params = (params #>> '{}')::jsonb where jsonb_typeof(params) = 'string';
update backtests set result = (result #>> '{}')::jsonb where jsonb_typeof(result) = 'string';

-- Jobs now name their data file relative to the backtest directory, and no answer may show a server
-- path. Jobs stored before kept absolute paths: keep only the file names.
update backtests
  set params = jsonb_set(params, '{data}', to_jsonb(regexp_replace(params->>'data', '^.*/', '')))
  where params->>'data' like '/%';
update backtests
  set result = jsonb_set(result, '{data}', to_jsonb(regexp_replace(result->>'data', '^.*/', '')))
  where result->>'data' like '/%';
update backtests
  set error = regexp_replace(error, '/([^/'' ]+/)+', '', 'g')
  where error like '%/%';
