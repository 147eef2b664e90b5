-- What calls cost. The model's tokens, one row per purpose and call (a
-- plan, a call's conversation, its summary), priced when recorded at the
-- configured price per million tokens (`MODEL_PRICES`; NULL when the model
-- has no price). The phone network's price of each call: zero on the
-- sandbox, Twilio's own once it has priced the call (read later, by a job).
CREATE TABLE ai_usage (
  id                bigserial PRIMARY KEY,
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  call_task_id      uuid REFERENCES call_tasks (id) ON DELETE CASCADE,
  call_session_id   uuid REFERENCES call_sessions (id) ON DELETE CASCADE,
  purpose           text NOT NULL CHECK (purpose IN ('planning', 'conversation', 'summary')),
  model             text NOT NULL,
  requests          integer NOT NULL CHECK (requests >= 0),
  prompt_tokens     bigint NOT NULL CHECK (prompt_tokens >= 0),
  completion_tokens bigint NOT NULL CHECK (completion_tokens >= 0),
  cost              numeric CHECK (cost >= 0),
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_usage_task_idx ON ai_usage (call_task_id);
CREATE INDEX ai_usage_session_idx ON ai_usage (call_session_id);
CREATE INDEX ai_usage_user_time_idx ON ai_usage (user_id, created_at);

ALTER TABLE call_sessions ADD COLUMN telephony_price numeric CHECK (telephony_price >= 0);
ALTER TABLE call_sessions ADD COLUMN telephony_price_unit text;

GRANT SELECT, INSERT ON ai_usage TO callwright_system, callwright_app;
GRANT USAGE ON SEQUENCE ai_usage_id_seq TO callwright_system, callwright_app;
ALTER TABLE ai_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY system_all ON ai_usage TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY own_rows ON ai_usage TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
