-- Insights read a daily roll-up instead of every call: a year of calls is a
-- few hundred rows per kind of errand, not a hundred thousand joined rows.
--
-- Two layers, kept by the database itself so that no writer can forget them:
--   call_insights  what each call counts for (its day where its owner lives,
--                  kind, outcome, duration, hold, retry, price, approvals);
--   insight_days   the sums per user, day, kind of errand and outcome;
--   insight_spend_days  the priced model usage per user and day.
-- Any change to a call, its transcript's verdict, its approvals or its
-- task's kind re-reads that call and moves the difference between what it
-- counted for and what it counts for now; a change of time zone rebuilds
-- the user's rows. Neither table holds personal text.

-- Why a completed call fell short, read by code from the call at processing
-- (the model's summary does not decide it): NULL when it reached its goal or
-- nothing in the call says why.
ALTER TABLE call_transcripts ADD COLUMN outcome text
  CHECK (outcome IN ('voicemail', 'unreachable', 'wrong_number', 'refused'));

CREATE TABLE call_insights (
  session_id    uuid PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  day           date NOT NULL,
  kind          text NOT NULL,
  -- '' for a call that did not fail; else the network's reason,
  -- 'over_limit', the transcript's outcome, or 'not_achieved'.
  reason        text NOT NULL,
  achieved      boolean NOT NULL,
  -- Duration of a completed call with a known duration, else NULL.
  duration_secs integer,
  -- Time on hold of a call that waited, else NULL.
  hold_secs     integer,
  retried       boolean NOT NULL,
  telephony_usd numeric NOT NULL,
  asked         integer NOT NULL,
  granted       integer NOT NULL,
  declined      integer NOT NULL,
  timed_out     integer NOT NULL
);
CREATE INDEX call_insights_user_idx ON call_insights (user_id);

CREATE TABLE insight_days (
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  day            date NOT NULL,
  kind           text NOT NULL,
  reason         text NOT NULL,
  calls          integer NOT NULL,
  achieved       integer NOT NULL,
  timed          integer NOT NULL,
  duration_secs  bigint NOT NULL,
  held           integer NOT NULL,
  hold_secs      bigint NOT NULL,
  retried        integer NOT NULL,
  retried_helped integer NOT NULL,
  telephony_usd  numeric NOT NULL,
  asked          integer NOT NULL,
  granted        integer NOT NULL,
  declined       integer NOT NULL,
  timed_out      integer NOT NULL,
  PRIMARY KEY (user_id, day, kind, reason)
);

CREATE TABLE insight_spend_days (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  day     date NOT NULL,
  ai_usd  numeric NOT NULL,
  PRIMARY KEY (user_id, day)
);

-- Readable and kept under each role's own rules, like every user-owned
-- table (a cascading delete runs as the owner with Row Level Security
-- lifted, triggers included, so a task's calls still leave the counts).
GRANT SELECT, INSERT, UPDATE, DELETE ON call_insights, insight_days, insight_spend_days TO callwright_system, callwright_app;
ALTER TABLE call_insights ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_insights FORCE ROW LEVEL SECURITY;
ALTER TABLE insight_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE insight_days FORCE ROW LEVEL SECURITY;
ALTER TABLE insight_spend_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE insight_spend_days FORCE ROW LEVEL SECURITY;
CREATE POLICY system_all ON call_insights TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON insight_days TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY system_all ON insight_spend_days TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY own_rows ON call_insights TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
CREATE POLICY own_rows ON insight_days TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
CREATE POLICY own_rows ON insight_spend_days TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());

-- The user's time zone as PostgreSQL knows it; UTC for none or for a name it
-- does not know (the application checks names with its own zone table, so a
-- bad name must never make a call's update fail).
CREATE FUNCTION callwright_insight_zone(owner uuid) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE zone text;
BEGIN
  SELECT time_zone INTO zone FROM assistant_settings WHERE user_id = owner;
  IF zone IS NULL THEN RETURN 'UTC'; END IF;
  BEGIN
    PERFORM now() AT TIME ZONE zone;
  EXCEPTION WHEN OTHERS THEN
    RETURN 'UTC';
  END;
  RETURN zone;
END $$;

-- What every call counts for, days read in `zone`. Callers filter it (by
-- call or by user); PostgreSQL inlines it, so the filter reaches the indexes.
CREATE FUNCTION callwright_call_insights(zone text) RETURNS SETOF call_insights LANGUAGE sql STABLE AS $$
  SELECT s.id, s.user_id, (s.started_at AT TIME ZONE zone)::date, coalesce(t.task_kind, 'unknown'),
         CASE WHEN s.status = 'failed' THEN coalesce(s.failure_reason, 'failed')
              WHEN s.status = 'completed' AND r.goal_achieved = false
                THEN CASE WHEN a.declined + a.timed_out > 0 THEN 'over_limit' ELSE coalesce(r.outcome, 'not_achieved') END
              ELSE '' END,
         coalesce(r.goal_achieved, false),
         CASE WHEN s.status = 'completed' THEN s.duration_seconds END,
         CASE WHEN s.hold_seconds > 0 THEN s.hold_seconds END,
         s.retry_count > 0,
         CASE WHEN s.telephony_price > 0 AND s.telephony_price_unit = 'USD' THEN s.telephony_price ELSE 0 END,
         a.asked::int, a.granted::int, a.declined::int, a.timed_out::int
  FROM call_sessions s
  JOIN call_tasks t ON t.id = s.call_task_id
  LEFT JOIN call_transcripts r ON r.call_session_id = s.id
  CROSS JOIN LATERAL (
    SELECT count(*) AS asked, count(*) FILTER (WHERE p.decision) AS granted,
           count(*) FILTER (WHERE p.decision = false) AS declined, count(*) FILTER (WHERE p.timed_out) AS timed_out
    FROM call_approvals p WHERE p.call_session_id = s.id
  ) a
$$;

-- Adds `c` (sign 1) to its day's sums, or takes it away (sign -1). Taking
-- away only ever meets a row that adding made; a row that is gone went with
-- its user. Rows that count nothing any more are dropped.
CREATE FUNCTION callwright_insight_move(c call_insights, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF sign > 0 THEN
    INSERT INTO insight_days AS d VALUES (
      c.user_id, c.day, c.kind, c.reason, 1, c.achieved::int, (c.duration_secs IS NOT NULL)::int,
      coalesce(c.duration_secs, 0), (c.hold_secs IS NOT NULL)::int, coalesce(c.hold_secs, 0), c.retried::int,
      (c.retried AND c.achieved)::int, c.telephony_usd, c.asked, c.granted, c.declined, c.timed_out)
    ON CONFLICT (user_id, day, kind, reason) DO UPDATE SET
      calls = d.calls + 1, achieved = d.achieved + excluded.achieved, timed = d.timed + excluded.timed,
      duration_secs = d.duration_secs + excluded.duration_secs, held = d.held + excluded.held,
      hold_secs = d.hold_secs + excluded.hold_secs, retried = d.retried + excluded.retried,
      retried_helped = d.retried_helped + excluded.retried_helped, telephony_usd = d.telephony_usd + excluded.telephony_usd,
      asked = d.asked + excluded.asked, granted = d.granted + excluded.granted, declined = d.declined + excluded.declined,
      timed_out = d.timed_out + excluded.timed_out;
  ELSE
    UPDATE insight_days d SET
      calls = d.calls - 1, achieved = d.achieved - c.achieved::int, timed = d.timed - (c.duration_secs IS NOT NULL)::int,
      duration_secs = d.duration_secs - coalesce(c.duration_secs, 0), held = d.held - (c.hold_secs IS NOT NULL)::int,
      hold_secs = d.hold_secs - coalesce(c.hold_secs, 0), retried = d.retried - c.retried::int,
      retried_helped = d.retried_helped - (c.retried AND c.achieved)::int, telephony_usd = d.telephony_usd - c.telephony_usd,
      asked = d.asked - c.asked, granted = d.granted - c.granted, declined = d.declined - c.declined,
      timed_out = d.timed_out - c.timed_out
    WHERE d.user_id = c.user_id AND d.day = c.day AND d.kind = c.kind AND d.reason = c.reason;
    DELETE FROM insight_days d
    WHERE d.user_id = c.user_id AND d.day = c.day AND d.kind = c.kind AND d.reason = c.reason AND d.calls = 0;
  END IF;
END $$;

-- Reads one call again and moves the difference. Calls of one user wait for
-- a rebuild of that user; the same call is refreshed by one transaction at a
-- time (its row is locked, and updated in place so that a waiting refresh
-- reads the new counts); two days' rows are always taken in the same order
-- (no deadlock). A call's row is made with the call, in the transaction
-- that makes it, so no other refresh can meet the call without its row.
CREATE FUNCTION callwright_insight_refresh(call uuid, owner uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  was call_insights;
  now_counts call_insights;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(16, hashtext(owner::text));
  SELECT * INTO was FROM call_insights WHERE session_id = call FOR UPDATE;
  SELECT * INTO now_counts FROM callwright_call_insights(callwright_insight_zone(owner)) c WHERE c.session_id = call;
  IF was.session_id IS NULL AND now_counts.session_id IS NULL THEN RETURN; END IF;
  IF was.session_id IS NOT NULL AND now_counts.session_id IS NOT NULL AND was IS NOT DISTINCT FROM now_counts THEN RETURN; END IF;
  IF was.session_id IS NULL THEN
    INSERT INTO call_insights VALUES (now_counts.*);
  ELSIF now_counts.session_id IS NULL THEN
    DELETE FROM call_insights WHERE session_id = call;
  ELSE
    UPDATE call_insights SET
      user_id = now_counts.user_id, day = now_counts.day, kind = now_counts.kind, reason = now_counts.reason,
      achieved = now_counts.achieved, duration_secs = now_counts.duration_secs, hold_secs = now_counts.hold_secs,
      retried = now_counts.retried, telephony_usd = now_counts.telephony_usd, asked = now_counts.asked,
      granted = now_counts.granted, declined = now_counts.declined, timed_out = now_counts.timed_out
    WHERE session_id = call;
  END IF;
  IF was.session_id IS NOT NULL AND (now_counts.session_id IS NULL
      OR (was.day, was.kind, was.reason) <= (now_counts.day, now_counts.kind, now_counts.reason)) THEN
    PERFORM callwright_insight_move(was, -1);
    was.session_id := NULL;
  END IF;
  IF now_counts.session_id IS NOT NULL THEN
    PERFORM callwright_insight_move(now_counts, 1);
  END IF;
  IF was.session_id IS NOT NULL THEN
    PERFORM callwright_insight_move(was, -1);
  END IF;
END $$;

-- Every count of one user again, from their calls and usage.
CREATE FUNCTION callwright_insight_rebuild(owner uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE zone text := callwright_insight_zone(owner);
BEGIN
  PERFORM pg_advisory_xact_lock(16, hashtext(owner::text));
  DELETE FROM call_insights WHERE user_id = owner;
  DELETE FROM insight_days WHERE user_id = owner;
  DELETE FROM insight_spend_days WHERE user_id = owner;
  INSERT INTO call_insights SELECT * FROM callwright_call_insights(zone) c WHERE c.user_id = owner;
  INSERT INTO insight_days
  SELECT user_id, day, kind, reason, count(*), count(*) FILTER (WHERE achieved), count(duration_secs),
         coalesce(sum(duration_secs), 0), count(hold_secs), coalesce(sum(hold_secs), 0), count(*) FILTER (WHERE retried),
         count(*) FILTER (WHERE retried AND achieved), sum(telephony_usd), sum(asked), sum(granted), sum(declined),
         sum(timed_out)
  FROM call_insights WHERE user_id = owner GROUP BY user_id, day, kind, reason;
  INSERT INTO insight_spend_days
  SELECT user_id, (created_at AT TIME ZONE zone)::date, sum(cost) FROM ai_usage
  WHERE user_id = owner AND cost > 0 GROUP BY 1, 2;
END $$;

CREATE FUNCTION callwright_insight_on_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM callwright_insight_refresh(OLD.id, OLD.user_id);
  ELSE
    PERFORM callwright_insight_refresh(NEW.id, NEW.user_id);
    IF TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id THEN
      PERFORM callwright_insight_refresh(OLD.id, OLD.user_id);
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER call_sessions_insights_write AFTER INSERT OR DELETE ON call_sessions
  FOR EACH ROW EXECUTE FUNCTION callwright_insight_on_session();
CREATE TRIGGER call_sessions_insights_change AFTER UPDATE ON call_sessions FOR EACH ROW
  WHEN ((OLD.status, OLD.failure_reason, OLD.started_at, OLD.duration_seconds, OLD.hold_seconds, OLD.retry_count,
         OLD.telephony_price, OLD.telephony_price_unit, OLD.call_task_id, OLD.user_id)
        IS DISTINCT FROM
        (NEW.status, NEW.failure_reason, NEW.started_at, NEW.duration_seconds, NEW.hold_seconds, NEW.retry_count,
         NEW.telephony_price, NEW.telephony_price_unit, NEW.call_task_id, NEW.user_id))
  EXECUTE FUNCTION callwright_insight_on_session();

-- A transcript or an approval counts for its call.
CREATE FUNCTION callwright_insight_on_call_part() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  call uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.call_session_id ELSE NEW.call_session_id END;
  owner uuid;
BEGIN
  SELECT user_id INTO owner FROM call_insights WHERE session_id = call;
  IF owner IS NULL THEN
    SELECT user_id INTO owner FROM call_sessions WHERE id = call;
  END IF;
  IF owner IS NOT NULL THEN
    PERFORM callwright_insight_refresh(call, owner);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER call_transcripts_insights_write AFTER INSERT OR DELETE ON call_transcripts
  FOR EACH ROW EXECUTE FUNCTION callwright_insight_on_call_part();
CREATE TRIGGER call_transcripts_insights_change AFTER UPDATE ON call_transcripts FOR EACH ROW
  WHEN ((OLD.goal_achieved, OLD.outcome) IS DISTINCT FROM (NEW.goal_achieved, NEW.outcome)) EXECUTE FUNCTION callwright_insight_on_call_part();
CREATE TRIGGER call_approvals_insights_write AFTER INSERT OR DELETE ON call_approvals
  FOR EACH ROW EXECUTE FUNCTION callwright_insight_on_call_part();
CREATE TRIGGER call_approvals_insights_change AFTER UPDATE ON call_approvals FOR EACH ROW
  WHEN ((OLD.decision, OLD.timed_out) IS DISTINCT FROM (NEW.decision, NEW.timed_out))
  EXECUTE FUNCTION callwright_insight_on_call_part();

-- A task's kind of errand counts for each of its calls.
CREATE FUNCTION callwright_insight_on_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM callwright_insight_refresh(s.id, s.user_id) FROM call_sessions s WHERE s.call_task_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER call_tasks_insights_kind AFTER UPDATE ON call_tasks FOR EACH ROW
  WHEN (OLD.task_kind IS DISTINCT FROM NEW.task_kind) EXECUTE FUNCTION callwright_insight_on_task();

-- Days are the user's: a new time zone counts everything again.
CREATE FUNCTION callwright_insight_on_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM callwright_insight_rebuild(NEW.user_id);
  RETURN NULL;
END $$;
CREATE TRIGGER assistant_settings_insights_zone AFTER UPDATE ON assistant_settings FOR EACH ROW
  WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) EXECUTE FUNCTION callwright_insight_on_zone();
CREATE TRIGGER assistant_settings_insights_new AFTER INSERT ON assistant_settings FOR EACH ROW
  WHEN (NEW.time_zone <> 'UTC') EXECUTE FUNCTION callwright_insight_on_zone();

-- Priced model usage, per day where its user lives.
CREATE FUNCTION callwright_insight_on_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_advisory_xact_lock_shared(16, hashtext(NEW.user_id::text));
    INSERT INTO insight_spend_days AS d
    VALUES (NEW.user_id, (NEW.created_at AT TIME ZONE callwright_insight_zone(NEW.user_id))::date, NEW.cost)
    ON CONFLICT (user_id, day) DO UPDATE SET ai_usd = d.ai_usd + excluded.ai_usd;
  ELSE
    UPDATE insight_spend_days d SET ai_usd = d.ai_usd - OLD.cost
    WHERE d.user_id = OLD.user_id AND d.day = (OLD.created_at AT TIME ZONE callwright_insight_zone(OLD.user_id))::date;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER ai_usage_insights_insert AFTER INSERT ON ai_usage FOR EACH ROW
  WHEN (NEW.cost > 0) EXECUTE FUNCTION callwright_insight_on_usage();
CREATE TRIGGER ai_usage_insights_delete AFTER DELETE ON ai_usage FOR EACH ROW
  WHEN (OLD.cost > 0) EXECUTE FUNCTION callwright_insight_on_usage();

-- Everything so far, counted as the system role (which reads every user's
-- rows whoever owns the tables).
SET LOCAL ROLE callwright_system;
SELECT callwright_insight_rebuild(id) FROM users;
RESET ROLE;
