-- The daily reminder after the reminder hour, at 50,000 people: every minute until the quiet
-- hours the tick looked up today's `daily_reminder` key of every active person (0.15-0.3 s on
-- the writer) to find nobody due. Each person's row now holds the local date of their last
-- daily reminder (claimed with the key, `ReminderRepo.claim_daily_reminder`), and an index of
-- the people who may get one leads the question to those without today's: a few rows.
ALTER TABLE users ADD COLUMN reminded_on TEXT NOT NULL DEFAULT '';  -- local date; '' = never
UPDATE users SET reminded_on = COALESCE((
    SELECT MAX(substr(r.run_key, length(users.id) + 2)) FROM scheduled_runs r
    WHERE r.kind = 'daily_reminder'
      AND r.run_key > users.id || ':' AND r.run_key < users.id || ';'), '');
CREATE INDEX users_daily_reminder ON users (reminded_on)
    WHERE status = 'active' AND reminders_enabled = 1;
-- Keys are forgotten once past their kind's horizon (handlers/run_keys.py), a batch at a time:
-- the oldest of a kind, without reading the others.
CREATE INDEX scheduled_runs_age ON scheduled_runs (kind, ran_at);
