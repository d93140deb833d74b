-- Client only: the microphone's voice processing on this device. Noise suppression on or off;
-- echo cancellation 'auto' (unless the speaker is a headset), 'on' or 'off'.
ALTER TABLE client_audio_devices ADD COLUMN noise_suppression INTEGER NOT NULL DEFAULT 1
    CHECK (noise_suppression IN (0, 1));
ALTER TABLE client_audio_devices ADD COLUMN echo_cancellation TEXT NOT NULL DEFAULT 'auto'
    CHECK (echo_cancellation IN ('auto', 'on', 'off'));
