-- A private calendar subscription per user: a secret URL that calendar apps
-- poll for the appointments the assistant booked and the business
-- confirmed. The secret itself is stored sealed (so the settings page can
-- show the URL again) and as a SHA-256 digest, by which a request finds it.
CREATE TABLE calendar_feeds (
  user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE,
  token       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  polled_at   timestamptz
);

GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_feeds TO callwright_system, callwright_app;
ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY system_all ON calendar_feeds TO callwright_system USING (true) WITH CHECK (true);
CREATE POLICY own_rows ON calendar_feeds TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
