-- Backtest jobs now name their data file relative to the backtest directory, and no answer may show
-- a server path. Jobs stored before kept absolute paths: keep only the file names.
update backtests
  set params = jsonb_set(params, '{data}', to_jsonb(regexp_replace(params->>'data', '^.*/', '')))
  where params->>'data' like '/%';
update backtests
  set result = jsonb_set(result, '{data}', to_jsonb(regexp_replace(result->>'data', '^.*/', '')))
  where result->>'data' like '/%';
update backtests
  set error = regexp_replace(error, '/([^/'' ]+/)+', '', 'g')
  where error like '%/%';
