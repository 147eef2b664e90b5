-- Which server process holds a live call, and when it last said so: a
-- call whose holder stopped beating is recovered (failed, then retried per
-- the user's settings).
ALTER TABLE call_session_progress ADD COLUMN engine_instance uuid;
ALTER TABLE call_session_progress ADD COLUMN heartbeat_at timestamptz;
CREATE INDEX call_session_progress_heartbeat_idx ON call_session_progress (heartbeat_at) WHERE heartbeat_at IS NOT NULL;

-- A signed-in request may queue and drop its own user's jobs (a scheduled
-- call is queued in the same transaction as the task), never anyone else's.
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs TO callwright_app;
CREATE POLICY own_rows ON jobs TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());

-- At most one *waiting* job per key: a running job may queue its own
-- successor (a retry, or a call deferred to business hours).
DROP INDEX jobs_dedupe_key;
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL AND status = 'queued';
