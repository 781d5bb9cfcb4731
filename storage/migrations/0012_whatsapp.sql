-- WhatsApp: the channel a linked person chose, what templates were sent (cost and the
-- messaging limit), what the limit held back (reported to the coordinators), and how often a
-- district's routine reminders go out on a channel.
ALTER TABLE users ADD COLUMN delivery_channel TEXT;   -- chosen for reminders and notices; NULL = last used
ALTER TABLE outbox ADD COLUMN topic TEXT;             -- 'revision', 'training': first when the limit is short
ALTER TABLE outbox ADD COLUMN other_recipient INTEGER NOT NULL DEFAULT 0; -- 131062: resend with the other field

CREATE TABLE template_sends (
    id        INTEGER PRIMARY KEY,
    sent_at   TEXT NOT NULL,
    chat_id   TEXT,                         -- cleared after two days (only the limit needs it)
    template  TEXT NOT NULL,
    kind      TEXT NOT NULL,                -- what it announced: notice, routine, alert, bulk, reply
    outbox_id INTEGER REFERENCES outbox (id),
    ext_message_id TEXT                     -- its wamid, to match a failed status webhook
);
CREATE INDEX template_sends_time ON template_sends (sent_at);
CREATE INDEX template_sends_chat ON template_sends (chat_id, sent_at);

-- People not reached because of the messaging limit, per local date and kind of message.
CREATE TABLE limit_deferrals (
    local_date     TEXT NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    category       TEXT NOT NULL,           -- revision, training, notice, reminder, broadcast
    kabupaten_code TEXT,
    deferred_at    TEXT NOT NULL,
    reported_at    TEXT,                    -- when the district's coordinators were told
    PRIMARY KEY (local_date, user_id, category)
);
CREATE INDEX limit_deferrals_unreported ON limit_deferrals (reported_at, kabupaten_code);

-- Routine reminders on a channel: every day (no row) or once a week on a weekday.
CREATE TABLE district_reminder_schedules (
    kabupaten_code TEXT NOT NULL,
    channel        TEXT NOT NULL,
    frequency      TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    weekday        INTEGER CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday (ISO weekday - 1)
    updated_by     INTEGER REFERENCES users (id),
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (kabupaten_code, channel)
);

-- Templates counted before this version (channel_state "templates:YYYY-MM", a UTC month):
-- one row each on the first of their month, of unknown kind, so the monthly count goes on.
WITH RECURSIVE counted (month, total) AS (
    SELECT substr(key, 11, 7), CAST(value AS INTEGER) FROM channel_state
    WHERE channel = 'whatsapp' AND key GLOB 'templates:[0-9][0-9][0-9][0-9]-[0-9][0-9]'
), each_one (month, n) AS (
    SELECT month, 1 FROM counted WHERE total > 0
    UNION ALL
    SELECT each_one.month, n + 1 FROM each_one JOIN counted USING (month) WHERE n < total
)
INSERT INTO template_sends (sent_at, template, kind)
SELECT month || '-01T00:00:00.000000+00:00', 'unknown', 'unknown' FROM each_one;
