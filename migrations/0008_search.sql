-- Search across what calls said, their summaries and their facts, which are
-- encrypted: each row carries the keyed terms of its words (see
-- `crypto::Cipher::terms`), never the words. NULL marks a row written before
-- search existed; the server indexes those at startup (`server::seal`).
ALTER TABLE call_transcript_segments ADD COLUMN terms bigint[];
CREATE INDEX call_transcript_segments_terms_idx ON call_transcript_segments USING gin (terms);
ALTER TABLE call_transcripts ADD COLUMN summary_terms bigint[];
CREATE INDEX call_transcripts_summary_terms_idx ON call_transcripts USING gin (summary_terms);
ALTER TABLE call_extracted_data ADD COLUMN terms bigint[];
CREATE INDEX call_extracted_data_terms_idx ON call_extracted_data USING gin (terms);
