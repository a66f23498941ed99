-- An event's payload is the JSON text the service wrote, only ever read back whole (a session's
-- risk events and signals), never queried inside. As json every commit checked each payload's
-- syntax once more on insert; as text it is stored as it comes, and the service parses it when it
-- reads it. Existing payloads keep their text.
alter table session_events alter column payload type text using payload::text;
