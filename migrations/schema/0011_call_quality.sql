-- Leadline's addition to seed table 9: the call's audio quality over the whole call, as the
-- agent's app measured it when the call ended (codec, MOS, bitrate, jitter, loss, RTT from
-- RTCP, jitter-buffer delay, concealed frames), a small JSON object. NULL: not measured (a
-- call that never had audio, or one recorded before quality was kept).
ALTER TABLE calls ADD COLUMN quality TEXT NULL DEFAULT NULL
    CHECK (quality IS NULL OR (json_valid(quality) AND length(quality) <= 1024));
