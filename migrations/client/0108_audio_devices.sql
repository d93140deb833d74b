-- Client only: the audio devices this device's agent chose, by the stable id the audio layer
-- gives (`host:device`); NULL is the OS default. A remembered device that is absent falls back
-- to the default at use.
CREATE TABLE client_audio_devices (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    microphone  TEXT    NULL CHECK (microphone IS NULL OR length(microphone) BETWEEN 1 AND 512),
    speaker     TEXT    NULL CHECK (speaker IS NULL OR length(speaker) BETWEEN 1 AND 512),
    ringer      TEXT    NULL CHECK (ringer IS NULL OR length(ringer) BETWEEN 1 AND 512),
    updated_at  TEXT    NOT NULL
);
