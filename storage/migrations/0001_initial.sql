-- psm-bot initial schema. Times are ISO-8601 UTC strings ("2026-11-29T10:00:00.000000+00:00").

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,          -- Kemendagri code, e.g. 32.08.01.2001
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('kabupaten', 'kecamatan', 'desa')),
    parent_code TEXT NOT NULL,
    name_key    TEXT NOT NULL              -- lower case, spaces removed: for matching typed names
);
CREATE INDEX regions_parent ON regions (parent_code, name);
CREATE INDEX regions_name_key ON regions (name_key);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    full_name      TEXT NOT NULL DEFAULT '',
    role           TEXT,                    -- NULL while registering
    requested_role TEXT,
    status         TEXT NOT NULL CHECK (status IN
                       ('registering', 'pending', 'active', 'rejected', 'suspended')),
    kabupaten_code TEXT,
    kecamatan_code TEXT,
    desa_code      TEXT,
    phone          TEXT,                    -- E.164
    phone_verified INTEGER NOT NULL DEFAULT 0,
    language       TEXT NOT NULL DEFAULT 'id',
    preferred_channel TEXT,
    decided_by     INTEGER REFERENCES users (id),
    decided_at     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX users_scope ON users (kabupaten_code, status, role);

CREATE TABLE channel_identities (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    channel        TEXT NOT NULL,
    external_id    TEXT NOT NULL,           -- Telegram user id; WhatsApp business-scoped id
    chat_id        TEXT,                    -- where to write; NULL until the person started the bot
    phone          TEXT,
    phone_verified INTEGER NOT NULL DEFAULT 0,
    started_at     TEXT,                    -- first message from the person on this channel
    last_inbound_at TEXT,
    unreachable_at TEXT,                    -- set on 403 (blocked); cleared when they write again
    UNIQUE (channel, external_id)
);
CREATE INDEX channel_identities_user ON channel_identities (user_id);

-- Every form definition version ever used, so a session keeps the version it started with.
CREATE TABLE form_versions (
    form_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    definition TEXT NOT NULL,               -- JSON of the validated form
    PRIMARY KEY (form_id, version)
);

CREATE TABLE form_sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    form_id      TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    state        TEXT NOT NULL,             -- JSON: answers, repeat positions, paging
    rev          INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL CHECK (status IN ('active', 'paused', 'completed', 'cancelled')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    FOREIGN KEY (form_id, form_version) REFERENCES form_versions (form_id, version)
);
CREATE UNIQUE INDEX form_sessions_one_active ON form_sessions (user_id) WHERE status = 'active';
CREATE INDEX form_sessions_user ON form_sessions (user_id, status);

-- Inbound updates, stored before the channel is told they were received.
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    ext_id       TEXT NOT NULL,             -- Telegram update_id; WhatsApp message id
    sender_key   TEXT,
    payload      TEXT,                      -- raw JSON; set to NULL (redacted) once processed
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    received_at  TEXT NOT NULL,
    processed_at TEXT,
    confirmed    INTEGER NOT NULL DEFAULT 0, -- the channel will not redeliver it any more
    UNIQUE (channel, ext_id)
);
CREATE INDEX inbox_pending ON inbox (status, id);

-- Every message that leaves the bot: written in the same transaction as the change causing it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER REFERENCES users (id),
    channel         TEXT NOT NULL,
    chat_id         TEXT,                   -- NULL while the person has not started the bot
    kind            TEXT NOT NULL,          -- reply, notice, routine, bulk, transient
    priority        INTEGER NOT NULL,       -- lower goes first
    message         TEXT NOT NULL,          -- JSON of the neutral OutboundMessage
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                        ('pending', 'waiting', 'sent', 'failed', 'expired')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT NOT NULL,
    expires_at      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    ext_message_id  TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (status, channel, priority, id);
CREATE INDEX outbox_waiting ON outbox (user_id, status);

-- Scheduled work done at most once per key (e.g. a reminder per user per local date).
CREATE TABLE scheduled_runs (
    kind    TEXT NOT NULL,
    run_key TEXT NOT NULL,
    ran_at  TEXT NOT NULL,
    PRIMARY KEY (kind, run_key)
);

-- Per-channel cursor, e.g. the Telegram getUpdates offset last confirmed.
CREATE TABLE channel_state (
    channel TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (channel, key)
);

-- Append-only record of who did what (UU PDP Ps. 31).
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_id   INTEGER REFERENCES users (id),
    action     TEXT NOT NULL,
    subject    TEXT,
    detail     TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
