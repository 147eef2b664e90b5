-- Call recordings. A user may ask for their calls to be recorded
-- (`record_calls`, off by default); the assistant then says so at the start
-- of every call. The phone network keeps the audio: `recording_url` is where
-- the network says it is (Twilio's API, or the sandbox's own files), and
-- `recording_sid` its id (`RE` + 32 characters). The browser never sees
-- either: it plays the recording through `/api/call-sessions/{id}/recording`.
ALTER TABLE assistant_settings ADD COLUMN record_calls boolean NOT NULL DEFAULT false;
ALTER TABLE call_sessions ADD COLUMN recording_sid text CHECK (recording_sid ~ '^RE[0-9A-Za-z]{32}$');
ALTER TABLE call_sessions ADD CONSTRAINT call_sessions_recording_pair
  CHECK ((recording_sid IS NULL) = (recording_url IS NULL));
-- A recording is deleted from its network only once no call refers to it.
CREATE INDEX call_sessions_recording_idx ON call_sessions (recording_sid) WHERE recording_sid IS NOT NULL;
