-- Callwright's whole data model: the seed specification's eight tables (same
-- column names, types, defaults and enum values), plus users, auth sessions,
-- API tokens, the audit log and the durable job queue.
--
-- Security model: every user-owned table has Row Level Security ENABLED and
-- FORCED. The server never queries as the owner: its pools switch to one of
-- two NOLOGIN roles right after connecting:
--   callwright_app     ordinary requests; sees only the rows of the user id
--                      carried by the transaction (callwright_current_user_id())
--   callwright_system  webhooks, the call engine, jobs and sign-in look-ups;
--                      reachable only through the server's system pool
-- A query without a WHERE clause therefore still returns only the current
-- user's rows.

-- Roles are cluster-wide: create them once, tolerating a concurrent creator.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callwright_app') THEN
    BEGIN
      CREATE ROLE callwright_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callwright_system') THEN
    BEGIN
      CREATE ROLE callwright_system NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  -- The connecting (owner) user must be able to SET ROLE to both.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT callwright_app, callwright_system TO %I', current_user);
  END IF;
END
$$;

-- The user id of the current transaction, set by the server with
-- set_config('callwright.user_id', <uuid>, true); NULL when unset.
CREATE FUNCTION callwright_current_user_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('callwright.user_id', true), '')::uuid $$;

-- Keeps updated_at current on every UPDATE.
CREATE FUNCTION callwright_touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql
  AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

-- ---------------------------------------------------------------------------
-- Accounts
-- ---------------------------------------------------------------------------
CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  password_hash text NOT NULL,
  display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Browser sign-in sessions; only a hash of the cookie's token is stored.
CREATE TABLE auth_sessions (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash   bytea NOT NULL UNIQUE,
  user_agent   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id);
CREATE INDEX auth_sessions_expires_idx ON auth_sessions (expires_at);

-- Bearer tokens for non-browser clients; only a hash is stored.
CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash   bytea NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at DESC);

-- ---------------------------------------------------------------------------
-- The seed's tables
-- ---------------------------------------------------------------------------
CREATE TABLE contacts (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text NOT NULL,
  company_name text,
  phone_number text,
  email        text,
  notes        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_user_name_idx ON contacts (user_id, lower(name), id);

CREATE TABLE assistant_settings (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                 uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  voice_preference        text NOT NULL DEFAULT 'professional_male',
  default_tone            text NOT NULL DEFAULT 'friendly',
  max_auto_approve_amount numeric NOT NULL DEFAULT 100 CHECK (max_auto_approve_amount >= 0),
  auto_retry_failed_calls boolean NOT NULL DEFAULT false,
  max_retry_attempts      integer NOT NULL DEFAULT 2 CHECK (max_retry_attempts BETWEEN 0 AND 5),
  business_hours_only     boolean NOT NULL DEFAULT false,
  language_preference     text NOT NULL DEFAULT 'en-US',
  -- Implied by the seed, not listed there: how to read numbers written
  -- without a country code, and when "business hours" are.
  default_region          text NOT NULL DEFAULT 'US' CHECK (default_region ~ '^[A-Z]{2}$'),
  time_zone               text NOT NULL DEFAULT 'UTC',
  business_hours_start    time NOT NULL DEFAULT '09:00',
  business_hours_end      time NOT NULL DEFAULT '17:00',
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE call_tasks (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title               text NOT NULL,
  raw_instruction     text NOT NULL,
  status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'preparing', 'waiting_for_user', 'ready_to_call', 'in_progress', 'completed', 'failed', 'cancelled')),
  priority            text NOT NULL DEFAULT 'normal'
                        CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  target_phone_number text,
  -- Deleting a contact keeps the tasks that used it.
  contact_id          uuid REFERENCES contacts (id) ON DELETE SET NULL,
  ai_plan             jsonb,
  user_clarifications jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  scheduled_for       timestamptz
);
CREATE INDEX call_tasks_user_created_idx ON call_tasks (user_id, created_at DESC, id DESC);
CREATE INDEX call_tasks_user_status_idx ON call_tasks (user_id, status, created_at DESC, id DESC);
CREATE INDEX call_tasks_contact_idx ON call_tasks (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX call_tasks_scheduled_idx ON call_tasks (scheduled_for)
  WHERE scheduled_for IS NOT NULL AND status = 'ready_to_call';

-- A task's call attempts go with it when the task is purged.
CREATE TABLE call_sessions (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_task_id        uuid NOT NULL REFERENCES call_tasks (id) ON DELETE CASCADE,
  provider_call_sid   text UNIQUE,
  status              text NOT NULL DEFAULT 'initiated'
                        CHECK (status IN ('initiated', 'ringing', 'connected', 'completed', 'failed', 'cancelled')),
  phone_number_called text,
  ai_call_script      jsonb,
  started_at          timestamptz NOT NULL DEFAULT now(),
  ended_at            timestamptz,
  duration_seconds    integer CHECK (duration_seconds >= 0),
  recording_url       text,
  failure_reason      text,
  retry_count         integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0)
);
CREATE INDEX call_sessions_task_idx ON call_sessions (call_task_id, started_at DESC);
CREATE INDEX call_sessions_live_idx ON call_sessions (status)
  WHERE status IN ('initiated', 'ringing', 'connected');

CREATE TABLE call_transcripts (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_session_id    uuid NOT NULL UNIQUE REFERENCES call_sessions (id) ON DELETE CASCADE,
  full_transcript    text NOT NULL DEFAULT '',
  ai_summary         text,
  sentiment_overall  text CHECK (sentiment_overall IN ('positive', 'neutral', 'negative')),
  goal_achieved      boolean,
  follow_up_required boolean NOT NULL DEFAULT false,
  follow_up_tasks    jsonb,
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE call_transcript_segments (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_transcript_id uuid NOT NULL REFERENCES call_transcripts (id) ON DELETE CASCADE,
  speaker            text NOT NULL CHECK (speaker IN ('assistant', 'human', 'system')),
  content            text NOT NULL,
  timestamp_ms       integer NOT NULL CHECK (timestamp_ms >= 0),
  confidence         numeric CHECK (confidence BETWEEN 0 AND 1),
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_transcript_segments_order_idx
  ON call_transcript_segments (call_transcript_id, timestamp_ms, created_at);

CREATE TABLE call_extracted_data (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_session_id uuid NOT NULL REFERENCES call_sessions (id) ON DELETE CASCADE,
  data_type       text NOT NULL CHECK (data_type IN ('price', 'appointment', 'confirmation_number', 'name', 'business_name', 'hours', 'instructions', 'other')),
  extracted_value jsonb NOT NULL,
  confidence      numeric CHECK (confidence BETWEEN 0 AND 1),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_extracted_data_session_idx ON call_extracted_data (call_session_id, created_at);

CREATE TABLE notifications (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- Purging a task removes everything recorded about it, its notices too.
  call_task_id      uuid REFERENCES call_tasks (id) ON DELETE CASCADE,
  call_session_id   uuid REFERENCES call_sessions (id) ON DELETE CASCADE,
  notification_type text NOT NULL CHECK (notification_type IN ('task_created', 'call_started', 'call_completed', 'call_failed', 'approval_needed', 'clarification_needed')),
  message           text NOT NULL,
  is_read           boolean NOT NULL DEFAULT false,
  priority          text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id, created_at DESC) WHERE NOT is_read;
CREATE INDEX notifications_task_idx ON notifications (call_task_id) WHERE call_task_id IS NOT NULL;
CREATE INDEX notifications_session_idx ON notifications (call_session_id) WHERE call_session_id IS NOT NULL;

-- ---------------------------------------------------------------------------
-- Operations
-- ---------------------------------------------------------------------------
-- Append-only record of who changed what and when (never secret values).
-- Entries outlive the user's deletion, detached from the account.
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
  action      text NOT NULL,
  entity_type text NOT NULL,
  entity_id   uuid,
  details     jsonb NOT NULL DEFAULT '{}',
  request_id  text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, created_at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);

-- Durable work queue shared by every server process (claimed with
-- FOR UPDATE SKIP LOCKED): scheduled calls, retries, post-call processing,
-- approval timeouts.
CREATE TABLE jobs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL,
  payload      jsonb NOT NULL DEFAULT '{}',
  user_id      uuid REFERENCES users (id) ON DELETE CASCADE,
  -- At most one pending job per key (e.g. "process:<session id>").
  dedupe_key   text,
  status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  run_at       timestamptz NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
  locked_by    text,
  locked_until timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status = 'queued';
CREATE INDEX jobs_running_idx ON jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_user_idx ON jobs (user_id) WHERE user_id IS NOT NULL;

-- ---------------------------------------------------------------------------
-- updated_at triggers
-- ---------------------------------------------------------------------------
CREATE TRIGGER users_touch BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION callwright_touch_updated_at();
CREATE TRIGGER contacts_touch BEFORE UPDATE ON contacts
  FOR EACH ROW EXECUTE FUNCTION callwright_touch_updated_at();
CREATE TRIGGER assistant_settings_touch BEFORE UPDATE ON assistant_settings
  FOR EACH ROW EXECUTE FUNCTION callwright_touch_updated_at();
CREATE TRIGGER call_tasks_touch BEFORE UPDATE ON call_tasks
  FOR EACH ROW EXECUTE FUNCTION callwright_touch_updated_at();
CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs
  FOR EACH ROW EXECUTE FUNCTION callwright_touch_updated_at();

-- ---------------------------------------------------------------------------
-- Privileges and Row Level Security
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA public TO callwright_app, callwright_system;
GRANT SELECT ON _sqlx_migrations TO callwright_app, callwright_system;
GRANT EXECUTE ON FUNCTION callwright_current_user_id() TO callwright_app, callwright_system;

GRANT SELECT, INSERT, UPDATE, DELETE ON
  users, auth_sessions, api_tokens, contacts, assistant_settings, call_tasks,
  call_sessions, call_transcripts, call_transcript_segments, call_extracted_data,
  notifications, jobs
  TO callwright_system;
GRANT SELECT, INSERT ON audit_log TO callwright_system;

GRANT SELECT, UPDATE ON users TO callwright_app;
GRANT SELECT, UPDATE, DELETE ON auth_sessions TO callwright_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
  api_tokens, contacts, assistant_settings, call_tasks, call_sessions,
  call_transcripts, call_transcript_segments, call_extracted_data, notifications
  TO callwright_app;
GRANT SELECT, INSERT ON audit_log TO callwright_app;

ALTER TABLE users                    ENABLE ROW LEVEL SECURITY;
ALTER TABLE users                    FORCE ROW LEVEL SECURITY;
ALTER TABLE auth_sessions            ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_sessions            FORCE ROW LEVEL SECURITY;
ALTER TABLE api_tokens               ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens               FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts                 ENABLE ROW LEVEL SECURITY;
ALTER TABLE contacts                 FORCE ROW LEVEL SECURITY;
ALTER TABLE assistant_settings       ENABLE ROW LEVEL SECURITY;
ALTER TABLE assistant_settings       FORCE ROW LEVEL SECURITY;
ALTER TABLE call_tasks               ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_tasks               FORCE ROW LEVEL SECURITY;
ALTER TABLE call_sessions            ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_sessions            FORCE ROW LEVEL SECURITY;
ALTER TABLE call_transcripts         ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_transcripts         FORCE ROW LEVEL SECURITY;
ALTER TABLE call_transcript_segments ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_transcript_segments FORCE ROW LEVEL SECURITY;
ALTER TABLE call_extracted_data      ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_extracted_data      FORCE ROW LEVEL SECURITY;
ALTER TABLE notifications            ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications            FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log                ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log                FORCE ROW LEVEL SECURITY;
ALTER TABLE jobs                     ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs                     FORCE ROW LEVEL SECURITY;

-- The system context sees everything.
CREATE POLICY system_all ON users                    TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON auth_sessions            TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON api_tokens               TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON contacts                 TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON assistant_settings       TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON call_tasks               TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON call_sessions            TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON call_transcripts         TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON call_transcript_segments TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON call_extracted_data      TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON notifications            TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON audit_log                TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON jobs                     TO callwright_system USING (true) WITH CHECK (true);

-- A signed-in request sees its own user's rows only.
CREATE POLICY own_row ON users TO callwright_app
  USING (id = callwright_current_user_id()) WITH CHECK (id = callwright_current_user_id());
CREATE POLICY own_rows ON auth_sessions TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
CREATE POLICY own_rows ON api_tokens TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
CREATE POLICY own_rows ON contacts TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
CREATE POLICY own_rows ON assistant_settings TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
CREATE POLICY own_rows ON call_tasks TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
CREATE POLICY own_rows ON notifications TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
CREATE POLICY own_rows ON audit_log TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());

-- Tables without a user_id column are owned through their parent rows.
CREATE POLICY own_rows ON call_sessions TO callwright_app
  USING (EXISTS (SELECT 1 FROM call_tasks t
                 WHERE t.id = call_sessions.call_task_id AND t.user_id = callwright_current_user_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM call_tasks t
                      WHERE t.id = call_sessions.call_task_id AND t.user_id = callwright_current_user_id()));
CREATE POLICY own_rows ON call_transcripts TO callwright_app
  USING (EXISTS (SELECT 1 FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
                 WHERE s.id = call_transcripts.call_session_id AND t.user_id = callwright_current_user_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
                      WHERE s.id = call_transcripts.call_session_id AND t.user_id = callwright_current_user_id()));
CREATE POLICY own_rows ON call_transcript_segments TO callwright_app
  USING (EXISTS (SELECT 1 FROM call_transcripts r JOIN call_sessions s ON s.id = r.call_session_id
                 JOIN call_tasks t ON t.id = s.call_task_id
                 WHERE r.id = call_transcript_segments.call_transcript_id AND t.user_id = callwright_current_user_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM call_transcripts r JOIN call_sessions s ON s.id = r.call_session_id
                      JOIN call_tasks t ON t.id = s.call_task_id
                      WHERE r.id = call_transcript_segments.call_transcript_id AND t.user_id = callwright_current_user_id()));
CREATE POLICY own_rows ON call_extracted_data TO callwright_app
  USING (EXISTS (SELECT 1 FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
                 WHERE s.id = call_extracted_data.call_session_id AND t.user_id = callwright_current_user_id()))
  WITH CHECK (EXISTS (SELECT 1 FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
                      WHERE s.id = call_extracted_data.call_session_id AND t.user_id = callwright_current_user_id()));
