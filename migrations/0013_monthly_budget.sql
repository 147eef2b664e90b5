-- A monthly spending limit per user, in US dollars (NULL: none). A call
-- that would start past it asks first; the user is told once a month when
-- spending passes 80% of it (`budget_warned_for` is the first day of the
-- month they were told in).
ALTER TABLE assistant_settings ADD COLUMN monthly_budget numeric CHECK (monthly_budget > 0);
ALTER TABLE assistant_settings ADD COLUMN budget_warned_for date;

ALTER TABLE notifications DROP CONSTRAINT notifications_notification_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_notification_type_check CHECK (notification_type IN (
  'task_created', 'call_started', 'call_completed', 'call_failed', 'approval_needed', 'clarification_needed',
  'budget_warning'));
