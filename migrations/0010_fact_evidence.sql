-- Each fact of a call points at the transcript lines of the business that
-- state it, and says whether the business confirmed it when the assistant
-- read it back (`ai::rules::evidence`). Facts from before have no evidence
-- recorded: an empty list, unconfirmed.
ALTER TABLE call_extracted_data ADD COLUMN segment_ids uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE call_extracted_data ADD COLUMN confirmed boolean NOT NULL DEFAULT false;
