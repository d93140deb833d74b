-- What an agent writes is bounded, so no row can make every later pull of the tenant huge:
-- an activity's payload holds at most 65,536 characters of JSON and a call's wrap-up notes at
-- most 10,000 characters. The API and the store refuse a note over 10,000 characters with a
-- reason first; these triggers hold the bound for every other writer. (A length check only:
-- the client inserts hundreds of thousands of activities on its first pull.)
CREATE TRIGGER lead_activities_payload_size
BEFORE INSERT ON lead_activities
WHEN length(NEW.payload_json) > 65536
BEGIN
    SELECT RAISE(ABORT, 'leadline:too_long: an activity holds at most 64 KiB of JSON');
END;

CREATE TRIGGER calls_wrapup_notes_size_insert
BEFORE INSERT ON calls
WHEN length(NEW.wrapup_notes) > 10000
BEGIN
    SELECT RAISE(ABORT, 'leadline:too_long: wrap-up notes hold at most 10,000 characters');
END;

CREATE TRIGGER calls_wrapup_notes_size_update
BEFORE UPDATE OF wrapup_notes ON calls
WHEN length(NEW.wrapup_notes) > 10000
BEGIN
    SELECT RAISE(ABORT, 'leadline:too_long: wrap-up notes hold at most 10,000 characters');
END;
