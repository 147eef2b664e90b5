-- The insight roll-up (migration 0016) is no longer moved inside the
-- transactions of live calls. Measured at a thousand concurrent calls of one
-- user, every change of a call re-read the call and moved its day's sums in
-- the caller's transaction, and every call of a day shares one row of
-- `insight_days` (same user, day, kind, no failure): the statements that end
-- a call waited on each other's row lock (3.9 ms mean) and the call path
-- paid for the re-reads.
--
-- Now a change only notes which call changed (one narrow insert, which
-- waits for nobody). The noted calls are counted again, each once however
-- often it changed, by `callwright_insight_drain`: before every read of a
-- user's insights (so a reader still sees every committed change) and every
-- few seconds by each server in the background. Draining and rebuilding a
-- user are serialised by the user's lock, so the roll-up has one writer per
-- user at a time. Counting a call again is idempotent: a call noted twice,
-- or drained by two servers in turn, is counted once. A new time zone notes
-- the user as a whole (no call): the drain then counts everything again,
-- instead of the request that saved the setting.

CREATE TABLE insight_pending (
  -- No foreign key: checking one would lock the user's row from every call
  -- at once. A note of a user who is gone is dropped by the next drain.
  user_id    uuid NOT NULL,
  -- NULL: every call of the user.
  session_id uuid
);
CREATE INDEX insight_pending_user_idx ON insight_pending (user_id);

GRANT SELECT, INSERT, DELETE ON insight_pending TO callwright_system, callwright_app;
ALTER TABLE insight_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE insight_pending FORCE ROW LEVEL SECURITY;
CREATE POLICY system_all ON insight_pending TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY own_rows ON insight_pending TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());

-- Reads one call again and moves the difference (see 0016). Only the drain
-- and the rebuild call it, holding the user's lock.
DROP FUNCTION callwright_insight_refresh(uuid, uuid);
CREATE FUNCTION callwright_insight_refresh(call uuid, zone text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  was call_insights;
  now_counts call_insights;
BEGIN
  SELECT * INTO was FROM call_insights WHERE session_id = call FOR UPDATE;
  SELECT * INTO now_counts FROM callwright_call_insights(zone) c WHERE c.session_id = call;
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
  IF was.session_id IS NOT NULL THEN
    PERFORM callwright_insight_move(was, -1);
  END IF;
  IF now_counts.session_id IS NOT NULL THEN
    PERFORM callwright_insight_move(now_counts, 1);
  END IF;
END $$;

-- Counts again every call noted for `owner`; how many notes there were.
CREATE FUNCTION callwright_insight_drain(owner uuid) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  calls uuid[];
  everything boolean;
  call uuid;
  zone text;
BEGIN
  PERFORM pg_advisory_xact_lock(16, hashtext(owner::text));
  -- Only notes committed before this statement: a call changing now is
  -- noted again, for the next drain.
  WITH taken AS (DELETE FROM insight_pending WHERE user_id = owner RETURNING session_id)
  SELECT array_agg(DISTINCT session_id ORDER BY session_id) FILTER (WHERE session_id IS NOT NULL),
         bool_or(session_id IS NULL)
  INTO calls, everything FROM taken;
  IF everything THEN
    PERFORM callwright_insight_rebuild(owner);
    RETURN coalesce(cardinality(calls), 0) + 1;
  END IF;
  IF calls IS NULL THEN RETURN 0; END IF;
  zone := callwright_insight_zone(owner);
  FOREACH call IN ARRAY calls LOOP
    PERFORM callwright_insight_refresh(call, zone);
  END LOOP;
  RETURN cardinality(calls);
END $$;

-- Every count of one user again; the notes so far are then counted (the
-- lock is taken again by a drain that already holds it, which is allowed).
CREATE OR REPLACE FUNCTION callwright_insight_rebuild(owner uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE zone text := callwright_insight_zone(owner);
BEGIN
  PERFORM pg_advisory_xact_lock(16, hashtext(owner::text));
  DELETE FROM insight_pending WHERE user_id = owner;
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

CREATE OR REPLACE FUNCTION callwright_insight_on_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO insight_pending VALUES (OLD.user_id, OLD.id);
  ELSE
    INSERT INTO insight_pending VALUES (NEW.user_id, NEW.id);
    IF TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id THEN
      INSERT INTO insight_pending VALUES (OLD.user_id, OLD.id);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- Of a call's status only what it counts for matters: ringing, answered
-- and in progress count alike.
DROP TRIGGER call_sessions_insights_change ON call_sessions;
CREATE TRIGGER call_sessions_insights_change AFTER UPDATE ON call_sessions FOR EACH ROW
  WHEN ((OLD.status = 'completed', OLD.status = 'failed', OLD.failure_reason, OLD.started_at, OLD.duration_seconds,
         OLD.hold_seconds, OLD.retry_count, OLD.telephony_price, OLD.telephony_price_unit, OLD.call_task_id, OLD.user_id)
        IS DISTINCT FROM
        (NEW.status = 'completed', NEW.status = 'failed', NEW.failure_reason, NEW.started_at, NEW.duration_seconds,
         NEW.hold_seconds, NEW.retry_count, NEW.telephony_price, NEW.telephony_price_unit, NEW.call_task_id, NEW.user_id))
  EXECUTE FUNCTION callwright_insight_on_session();

CREATE OR REPLACE FUNCTION callwright_insight_on_call_part() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  call uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.call_session_id ELSE NEW.call_session_id END;
  owner uuid;
BEGIN
  SELECT user_id INTO owner FROM call_sessions WHERE id = call;
  IF owner IS NULL THEN
    -- The call itself went (and noted itself).
    RETURN NULL;
  END IF;
  INSERT INTO insight_pending VALUES (owner, call);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION callwright_insight_on_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO insight_pending SELECT s.user_id, s.id FROM call_sessions s WHERE s.call_task_id = NEW.id;
  RETURN NULL;
END $$;

-- Days are the user's: a new time zone notes the user as a whole.
CREATE OR REPLACE FUNCTION callwright_insight_on_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO insight_pending VALUES (NEW.user_id, NULL);
  RETURN NULL;
END $$;
