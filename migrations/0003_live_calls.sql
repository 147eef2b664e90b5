-- Live-call state beside the seed's call_sessions (whose columns stay the
-- seed's): the progress of provider callbacks, and mid-call approvals.

-- The furthest call-progress callback applied, so that late, repeated or
-- reordered callbacks never move a session backwards.
CREATE TABLE call_session_progress (
  call_session_id uuid PRIMARY KEY REFERENCES call_sessions (id) ON DELETE CASCADE,
  last_sequence   integer NOT NULL DEFAULT -1,
  answered_by     text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER call_session_progress_touch BEFORE UPDATE ON call_session_progress
  FOR EACH ROW EXECUTE FUNCTION callwright_touch_updated_at();

-- A price the assistant may not accept without the user: one pending
-- request per call at a time.
CREATE TABLE call_approvals (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_session_id uuid NOT NULL REFERENCES call_sessions (id) ON DELETE CASCADE,
  amount          numeric NOT NULL,
  limit_amount    numeric NOT NULL,
  currency        text NOT NULL DEFAULT 'USD',
  reason          text NOT NULL,
  requested_at    timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  -- NULL while pending; true approved, false rejected.
  decision        boolean,
  decided_at      timestamptz,
  timed_out       boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX call_approvals_one_pending ON call_approvals (call_session_id) WHERE decision IS NULL AND NOT timed_out;
CREATE INDEX call_approvals_session_idx ON call_approvals (call_session_id, requested_at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON call_session_progress, call_approvals TO callwright_system;
GRANT SELECT ON call_session_progress TO callwright_app;
GRANT SELECT, UPDATE ON call_approvals TO callwright_app;

ALTER TABLE call_session_progress ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_session_progress FORCE ROW LEVEL SECURITY;
ALTER TABLE call_approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_approvals FORCE ROW LEVEL SECURITY;
CREATE POLICY system_all ON call_session_progress TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON call_approvals TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY own_rows ON call_session_progress TO callwright_app
  USING (EXISTS (SELECT 1 FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
                 WHERE s.id = call_session_progress.call_session_id AND t.user_id = callwright_current_user_id()));
CREATE POLICY own_rows ON call_approvals TO callwright_app
  USING (EXISTS (SELECT 1 FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
                 WHERE s.id = call_approvals.call_session_id AND t.user_id = callwright_current_user_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
                      WHERE s.id = call_approvals.call_session_id AND t.user_id = callwright_current_user_id()));
