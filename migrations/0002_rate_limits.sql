-- Fixed-window rate-limit counters, shared by every server process.
-- `subject` is a user id or a normalised e-mail address (sign-in attempts).
CREATE TABLE rate_limit_counters (
  bucket       text NOT NULL,
  subject      text NOT NULL,
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL DEFAULT 1 CHECK (hits > 0),
  PRIMARY KEY (bucket, subject, window_start)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_counters TO callwright_system;
ALTER TABLE rate_limit_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE rate_limit_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY system_all ON rate_limit_counters TO callwright_system USING (true) WITH CHECK (true);
