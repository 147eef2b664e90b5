-- Why a call attempt did not go through is a closed set (domain::enums::FailureReason).
ALTER TABLE call_sessions ADD CONSTRAINT call_sessions_failure_reason_check
  CHECK (failure_reason IN ('busy', 'no_answer', 'failed', 'canceled', 'provider_error', 'connection_lost'));
