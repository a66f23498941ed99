-- Every commit of session events writes ~11 rows per fill; three things made each commit cost
-- more than it needs to.
--
-- 1. Foreign keys to sessions (id): each inserted row looked its session up. The rows are only
--    ever written by the session's own commits, after its row exists, and sessions are never
--    deleted (stopping one keeps its history), so the check guarded nothing. The lease of a
--    session keeps its key: a cluster's fencing reads it in every commit.
alter table session_events drop constraint if exists session_events_session_id_fkey;
alter table session_snapshots drop constraint if exists session_snapshots_session_id_fkey;
alter table orders drop constraint if exists orders_session_id_fkey;
alter table fills drop constraint if exists fills_session_id_fkey;
alter table closed_trades drop constraint if exists closed_trades_session_id_fkey;
alter table equity_samples drop constraint if exists equity_samples_session_id_fkey;

-- 2. Documents stored as jsonb were converted to its binary form on every insert, though they are
--    only ever read back whole, never queried inside. As json they are stored as the text the
--    service wrote (validated, not converted). Reads return the same values.
alter table session_events alter column payload type json using payload::json;
alter table session_snapshots alter column state type json using state::json;
alter table orders alter column body type json using body::json;
alter table closed_trades alter column body type json using body::json;

-- 3. Every commit replaces the snapshot of each of its sessions (~2 KB). Room left in each page
--    lets the new version go beside the old one (a heap-only update: no index entry), and a
--    snapshot stays inline and uncompressed up to a page instead of being compressed at 2 KB.
alter table session_snapshots set (fillfactor = 50, toast_tuple_target = 8160);
