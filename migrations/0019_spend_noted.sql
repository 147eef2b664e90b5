-- Priced model use leaves the call path too (see 0018). The model's cost of
-- a call is recorded as the call ends, and all calls of one user's day add
-- to one row of `insight_spend_days`: many calls ending together waited on
-- it in turn. Now the use only notes its day, and the drain counts that
-- day's spend again from `ai_usage` (one index range, by user and time).
--
-- A note is now one of: a call (session_id), a day's model spend
-- (spend_day), or neither: everything of the user (a new time zone).
ALTER TABLE insight_pending ADD COLUMN spend_day date;
ALTER TABLE insight_pending ADD CONSTRAINT insight_pending_one_thing CHECK (session_id IS NULL OR spend_day IS NULL);

CREATE OR REPLACE FUNCTION callwright_insight_on_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  owner uuid;
  at timestamptz;
BEGIN
  IF TG_OP = 'INSERT' THEN
    owner := NEW.user_id;
    at := NEW.created_at;
  ELSE
    owner := OLD.user_id;
    at := OLD.created_at;
  END IF;
  INSERT INTO insight_pending (user_id, spend_day) VALUES (owner, (at AT TIME ZONE callwright_insight_zone(owner))::date);
  RETURN NULL;
END $$;

-- Counts again every call and every day's spend noted for `owner`; how
-- many notes there were (distinct calls and days, or 1 for everything).
CREATE OR REPLACE FUNCTION callwright_insight_drain(owner uuid) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  calls uuid[];
  days date[];
  everything boolean;
  call uuid;
  d date;
  zone text;
BEGIN
  PERFORM pg_advisory_xact_lock(16, hashtext(owner::text));
  -- Only notes committed before this statement: a call changing now is
  -- noted again, for the next drain.
  WITH taken AS (DELETE FROM insight_pending WHERE user_id = owner RETURNING session_id, spend_day)
  SELECT array_agg(DISTINCT session_id ORDER BY session_id) FILTER (WHERE session_id IS NOT NULL),
         array_agg(DISTINCT spend_day ORDER BY spend_day) FILTER (WHERE spend_day IS NOT NULL),
         bool_or(session_id IS NULL AND spend_day IS NULL)
  INTO calls, days, everything FROM taken;
  IF everything THEN
    PERFORM callwright_insight_rebuild(owner);
    RETURN 1;
  END IF;
  zone := callwright_insight_zone(owner);
  FOREACH call IN ARRAY coalesce(calls, '{}') LOOP
    PERFORM callwright_insight_refresh(call, zone);
  END LOOP;
  FOREACH d IN ARRAY coalesce(days, '{}') LOOP
    DELETE FROM insight_spend_days WHERE user_id = owner AND day = d;
    INSERT INTO insight_spend_days
    SELECT owner, d, sum(cost) FROM ai_usage
    WHERE user_id = owner AND cost > 0
      AND created_at >= (d::timestamp AT TIME ZONE zone) AND created_at < ((d + 1)::timestamp AT TIME ZONE zone)
    HAVING count(*) > 0;
  END LOOP;
  RETURN coalesce(cardinality(calls), 0) + coalesce(cardinality(days), 0);
END $$;
