-- Server only. Ids are never reused: SQLite gives a new row max(id) + 1, so deleting the
-- newest row would hand its id to the next row — maybe another tenant's — while clients still
-- hold entries naming it. Every delete raises the table's high-water mark; new ids start above
-- it (the server assigns ids as max(max(id), high water) + 1).
CREATE TABLE id_high_water (
    table_name TEXT    NOT NULL PRIMARY KEY,
    last_id    INTEGER NOT NULL
);

CREATE TRIGGER leads_high_water AFTER DELETE ON leads
BEGIN
    INSERT INTO id_high_water (table_name, last_id) VALUES ('leads', OLD.id)
    ON CONFLICT (table_name) DO UPDATE SET last_id = max(last_id, excluded.last_id);
END;

CREATE TRIGGER lead_activities_high_water AFTER DELETE ON lead_activities
BEGIN
    INSERT INTO id_high_water (table_name, last_id) VALUES ('lead_activities', OLD.id)
    ON CONFLICT (table_name) DO UPDATE SET last_id = max(last_id, excluded.last_id);
END;

CREATE TRIGGER calls_high_water AFTER DELETE ON calls
BEGIN
    INSERT INTO id_high_water (table_name, last_id) VALUES ('calls', OLD.id)
    ON CONFLICT (table_name) DO UPDATE SET last_id = max(last_id, excluded.last_id);
END;

-- Refusals are counted per user and day (a quota), and old answers expire.
ALTER TABLE applied_mutations ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0 CHECK (rejected IN (0, 1));
CREATE INDEX applied_mutations_user_day ON applied_mutations (user_id, applied_at);
CREATE INDEX applied_mutations_age ON applied_mutations (applied_at);
