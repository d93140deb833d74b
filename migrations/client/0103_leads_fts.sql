-- Client only: full-text index of leads for search by name, company, email and phone.
-- Case- and accent-insensitive (unicode61, remove_diacritics 2), with prefix indexes.
-- Contentless (the leads table holds the text); rowid = leads.id; kept in step by triggers.
-- phone_digits holds only the digits of the phone so "555010" finds "(555) 010-2030".
CREATE VIRTUAL TABLE leads_fts USING fts5 (
    name, company_name, email, phone_digits,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER leads_fts_insert AFTER INSERT ON leads
BEGIN
    INSERT INTO leads_fts (rowid, name, company_name, email, phone_digits)
    VALUES (NEW.id, NEW.name, NEW.company_name, NEW.email,
            replace(replace(replace(replace(replace(replace(replace(
                coalesce(NEW.phone, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', ''));
END;

CREATE TRIGGER leads_fts_update AFTER UPDATE OF name, company_name, email, phone ON leads
WHEN OLD.name IS NOT NEW.name OR OLD.company_name IS NOT NEW.company_name
  OR OLD.email IS NOT NEW.email OR OLD.phone IS NOT NEW.phone
BEGIN
    DELETE FROM leads_fts WHERE rowid = OLD.id;
    INSERT INTO leads_fts (rowid, name, company_name, email, phone_digits)
    VALUES (NEW.id, NEW.name, NEW.company_name, NEW.email,
            replace(replace(replace(replace(replace(replace(replace(
                coalesce(NEW.phone, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', ''));
END;

CREATE TRIGGER leads_fts_delete AFTER DELETE ON leads
BEGIN
    DELETE FROM leads_fts WHERE rowid = OLD.id;
END;
