-- What an agent writes is bounded, so no row can make every later pull of the tenant huge:
-- an activity's payload holds at most 64 KiB of JSON (a note at most 10,000 characters) and a
-- call's wrap-up notes at most 10,000 characters. The API refuses longer text with a reason
-- first; these triggers hold the bound for every other writer.
CREATE TRIGGER lead_activities_payload_size
BEFORE INSERT ON lead_activities
WHEN length(CAST(NEW.payload_json AS BLOB)) > 65536
  OR CASE WHEN json_valid(NEW.payload_json)
          THEN length(json_extract(NEW.payload_json, '$.note')) > 10000 END
BEGIN
    SELECT RAISE(ABORT, 'leadline:too_long: an activity holds at most 10,000 characters of note and 64 KiB in all');
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
