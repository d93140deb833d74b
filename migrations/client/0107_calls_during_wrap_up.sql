-- Client only: whether this device lets the agent place a call while a finished call still
-- waits for its wrap-up (off: the next call waits until the wrap-up is done).
ALTER TABLE client_calling_settings
    ADD COLUMN calls_during_wrap_up INTEGER NOT NULL DEFAULT 0 CHECK (calls_during_wrap_up IN (0, 1));
