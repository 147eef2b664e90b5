-- How long each call waited on hold (or while being put through), in whole
-- seconds, as the engine heard it; NULL for calls from before, or that no
-- engine held.
ALTER TABLE call_sessions ADD COLUMN hold_seconds integer CHECK (hold_seconds >= 0);
