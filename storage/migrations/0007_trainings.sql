-- Trainings (Bimtek): days, invitations with the RSVP, and attendance (the daftar hadir).
CREATE TABLE trainings (
    id             INTEGER PRIMARY KEY,
    kabupaten_code TEXT NOT NULL,
    kecamatan_code TEXT,                 -- a TKSK's training for their kecamatan
    title          TEXT NOT NULL,
    venue_name     TEXT NOT NULL,
    venue_address  TEXT NOT NULL,
    latitude       REAL,
    longitude      REAL,
    radius_m       INTEGER,              -- check-in by location: at most this far from the venue
    audience       TEXT NOT NULL,        -- JSON: {"role": ..., "kecamatan": ...}
    rsvp_deadline  TEXT NOT NULL,        -- answers may change before this moment
    checkin_method TEXT NOT NULL CHECK (checkin_method IN ('code', 'location', 'both')),
    open_minutes   INTEGER NOT NULL,     -- check-in opens this long before a day starts
    late_minutes   INTEGER NOT NULL,     -- checked in later than start + this: late
    secret         TEXT NOT NULL,        -- key of the rotating check-in codes (HMAC)
    status         TEXT NOT NULL DEFAULT 'scheduled'
                       CHECK (status IN ('scheduled', 'cancelled', 'closed')),
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL
);
CREATE INDEX trainings_scope ON trainings (kabupaten_code, kecamatan_code);

CREATE TABLE training_days (
    id                INTEGER PRIMARY KEY,
    training_id       INTEGER NOT NULL REFERENCES trainings (id),
    day_number        INTEGER NOT NULL,
    starts_at         TEXT NOT NULL,
    ends_at           TEXT NOT NULL,
    checkin_closed_at TEXT,              -- closed by hand before the end
    UNIQUE (training_id, day_number)
);
CREATE INDEX training_days_start ON training_days (starts_at);

CREATE TABLE training_invitations (
    training_id INTEGER NOT NULL REFERENCES trainings (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    rsvp        TEXT CHECK (rsvp IN ('akan_hadir', 'berhalangan')),
    reason_kind TEXT CHECK (reason_kind IN ('izin', 'sakit')),
    reason_text TEXT,
    rsvp_at     TEXT,
    invited_at  TEXT NOT NULL,
    PRIMARY KEY (training_id, user_id)
);
CREATE INDEX training_invitations_user ON training_invitations (user_id);

CREATE TABLE training_attendance (
    day_id      INTEGER NOT NULL REFERENCES training_days (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL CHECK (status IN ('hadir', 'izin', 'sakit', 'tidak_hadir')),
    late        INTEGER NOT NULL DEFAULT 0,
    method      TEXT NOT NULL CHECK (method IN ('code', 'location', 'both', 'manual')),
    distance_m  INTEGER,                 -- location check-ins: metres from the venue
    at          TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users (id),
    PRIMARY KEY (day_id, user_id)
);
