-- Client only: this device's calling settings, kept across sign-ins (they describe the
-- network and the PBX the device reaches, not the agent). Secrets are not here: a TURN
-- server's password is in the OS keychain.
CREATE TABLE client_calling_settings (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    -- A PEM file of the CA that signed a private PBX's certificate (trusted beside the system's).
    pbx_ca_file  TEXT    NULL CHECK (pbx_ca_file IS NULL OR length(pbx_ca_file) BETWEEN 1 AND 4096),
    -- STUN/TURN servers for ICE, in order: [{"url": "turn:…", "username": "…"}, …].
    ice_servers  TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(ice_servers) AND json_type(ice_servers) = 'array'),
    updated_at   TEXT    NOT NULL
);
