-- What a call said, its transcript and its facts carry their owner, so that
-- Row Level Security checks a row with one comparison instead of a chain of
-- joins (each under its own policy): a search over thousands of lines
-- checked every candidate through some ten index look-ups. The owner is
-- filled from the row's parent when the writer does not give it.
ALTER TABLE call_transcripts ADD COLUMN user_id uuid REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE call_transcript_segments ADD COLUMN user_id uuid REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE call_extracted_data ADD COLUMN user_id uuid REFERENCES users (id) ON DELETE CASCADE;

UPDATE call_transcripts r SET user_id = t.user_id
  FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id WHERE s.id = r.call_session_id;
UPDATE call_transcript_segments g SET user_id = r.user_id FROM call_transcripts r WHERE r.id = g.call_transcript_id;
UPDATE call_extracted_data e SET user_id = t.user_id
  FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id WHERE s.id = e.call_session_id;

CREATE FUNCTION callwright_transcript_owner() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
  IF NEW.user_id IS NULL THEN
    SELECT t.user_id INTO NEW.user_id FROM call_sessions s JOIN call_tasks t ON t.id = s.call_task_id
      WHERE s.id = NEW.call_session_id;
  END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION callwright_segment_owner() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
  IF NEW.user_id IS NULL THEN
    SELECT r.user_id INTO NEW.user_id FROM call_transcripts r WHERE r.id = NEW.call_transcript_id;
  END IF;
  RETURN NEW;
END $$;
-- (call_extracted_data has the session, as call_transcripts does.)
CREATE TRIGGER call_transcripts_owner BEFORE INSERT ON call_transcripts
  FOR EACH ROW EXECUTE FUNCTION callwright_transcript_owner();
CREATE TRIGGER call_transcript_segments_owner BEFORE INSERT ON call_transcript_segments
  FOR EACH ROW EXECUTE FUNCTION callwright_segment_owner();
CREATE TRIGGER call_extracted_data_owner BEFORE INSERT ON call_extracted_data
  FOR EACH ROW EXECUTE FUNCTION callwright_transcript_owner();

ALTER TABLE call_transcripts ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE call_transcript_segments ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE call_extracted_data ALTER COLUMN user_id SET NOT NULL;
CREATE INDEX call_transcripts_user_idx ON call_transcripts (user_id);
CREATE INDEX call_transcript_segments_user_idx ON call_transcript_segments (user_id);
CREATE INDEX call_extracted_data_user_idx ON call_extracted_data (user_id);

DROP POLICY own_rows ON call_transcripts;
CREATE POLICY own_rows ON call_transcripts TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
DROP POLICY own_rows ON call_transcript_segments;
CREATE POLICY own_rows ON call_transcript_segments TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
DROP POLICY own_rows ON call_extracted_data;
CREATE POLICY own_rows ON call_extracted_data TO callwright_app
  USING (user_id = callwright_current_user_id()) WITH CHECK (user_id = callwright_current_user_id());
