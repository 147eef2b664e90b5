-- Insights are computed in SQL over the user's own calls. A task records its
-- kind of errand in the clear (a word such as `booking`, nothing personal:
-- the plan that holds it is sealed); tasks from before have none and count
-- as `unknown`. A call session carries its owner, so that Row Level Security
-- checks it with one comparison and a user's calls are read by one index
-- range (the policy before probed the task of every row). The owner is
-- always its task's, whatever a writer says.
ALTER TABLE call_tasks ADD COLUMN task_kind text;

ALTER TABLE call_sessions ADD COLUMN user_id uuid REFERENCES users (id) ON DELETE CASCADE;
UPDATE call_sessions s SET user_id = t.user_id FROM call_tasks t WHERE t.id = s.call_task_id;
CREATE FUNCTION callwright_session_owner() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
  SELECT t.user_id INTO NEW.user_id FROM call_tasks t WHERE t.id = NEW.call_task_id;
  RETURN NEW;
END $$;
CREATE TRIGGER call_sessions_owner BEFORE INSERT OR UPDATE OF call_task_id ON call_sessions
  FOR EACH ROW EXECUTE FUNCTION callwright_session_owner();
ALTER TABLE call_sessions ALTER COLUMN user_id SET NOT NULL;
CREATE INDEX call_sessions_user_started_idx ON call_sessions (user_id, started_at);

DROP POLICY own_rows ON call_sessions;
CREATE POLICY own_rows ON call_sessions TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
