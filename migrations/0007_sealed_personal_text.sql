-- More personal text is encrypted at rest by the application (AES-256-GCM,
-- stored as `enc:v1:...`; JSON columns hold the sealed document as a JSON
-- string): contact names, companies and e-mails, task titles, plans and
-- clarifications, call scripts, follow-ups, notification messages and
-- approval reasons. Rows written before this are sealed by the server at
-- startup (`server::seal`); until then they read as they are.
--
-- A sealed name cannot be sorted or searched in SQL: contacts are read,
-- opened, searched and ordered in the server (an account keeps at most
-- 1,000), and task titles are searched through `title_terms`, a keyed blind
-- index of their words (see `crypto::Cipher::terms`).
DROP INDEX contacts_user_name_idx;
CREATE INDEX contacts_user_idx ON contacts (user_id);
ALTER TABLE call_tasks ADD COLUMN title_terms bigint[] NOT NULL DEFAULT '{}';
CREATE INDEX call_tasks_title_terms_idx ON call_tasks USING gin (title_terms);

-- Sealing a stored value is no change of the row: the startup step sets
-- `callwright.keep_updated_at` for its transactions, and `updated_at` (which
-- guards concurrent task updates) stays as it was.
CREATE OR REPLACE FUNCTION callwright_touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql
  AS $$ BEGIN
    IF coalesce(current_setting('callwright.keep_updated_at', true), '') <> 'on' THEN
      NEW.updated_at := now();
    END IF;
    RETURN NEW;
  END $$;
