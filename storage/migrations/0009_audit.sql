-- Audit (/audit), chat exports that disappear, and conversation texts kept no longer than
-- needed (UU PDP Ps. 42-44).

-- /audit filters by period, actor and record, newest first.
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_subject ON audit_log (subject, at) WHERE subject IS NOT NULL;
-- INSERT OR REPLACE would delete the row it replaces without firing the delete trigger.
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- A chat export is deleted from the chat this many seconds after it was sent (Telegram);
-- set back to NULL once the deletion is queued.
ALTER TABLE outbox ADD COLUMN delete_after INTEGER;
CREATE INDEX outbox_to_delete ON outbox (sent_at) WHERE delete_after IS NOT NULL;
-- When the text of a settled message was blanked (the row and its status stay).
ALTER TABLE outbox ADD COLUMN cleared_at TEXT;
CREATE INDEX outbox_to_clear ON outbox (created_at)
    WHERE cleared_at IS NULL AND status IN ('sent', 'failed', 'expired');
-- When the answers of a finished form session were blanked (the case holds them now).
ALTER TABLE form_sessions ADD COLUMN cleared_at TEXT;
CREATE INDEX form_sessions_to_clear ON form_sessions (updated_at)
    WHERE cleared_at IS NULL AND status IN ('completed', 'cancelled');
