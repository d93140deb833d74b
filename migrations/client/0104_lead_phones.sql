-- Client only: normalized phone numbers of leads, for caller lookup.
-- Written by the store in the same transaction as the lead (normalization needs the phone
-- number rules, which SQL does not have). e164 and national_digits are NULL when the number
-- could not be read; reversed_digits (of the national number, else of every digit) lets a
-- lookup match the trailing digits of a number through an index.
CREATE TABLE lead_phones (
    lead_id         INTEGER NOT NULL PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    e164            TEXT    NULL,
    national_digits TEXT    NULL,
    reversed_digits TEXT    NOT NULL
);

CREATE INDEX lead_phones_tenant_e164 ON lead_phones (tenant_id, e164);
CREATE INDEX lead_phones_tenant_national ON lead_phones (tenant_id, national_digits);
CREATE INDEX lead_phones_tenant_reversed ON lead_phones (tenant_id, reversed_digits);
