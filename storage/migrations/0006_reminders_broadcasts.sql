-- Reminders (each person's hour, or off) and broadcasts (/siaran) with delivery reports.
ALTER TABLE users ADD COLUMN reminder_time TEXT;            -- "HH:MM" local; NULL = default
ALTER TABLE users ADD COLUMN reminders_enabled INTEGER NOT NULL DEFAULT 1;

CREATE TABLE broadcasts (
    id             INTEGER PRIMARY KEY,
    sender_id      INTEGER NOT NULL REFERENCES users (id),
    kabupaten_code TEXT,
    audience       TEXT NOT NULL,       -- JSON: {"role": ..., "kecamatan": ...}
    text           TEXT NOT NULL,
    recipients     INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    reported_at    TEXT                 -- when the sender got the delivery report
);

ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts (id);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;
