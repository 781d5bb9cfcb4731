-- Household case reports (the case-report feature). Personal data: see docs/model.md.

CREATE TABLE households (
    id             INTEGER PRIMARY KEY,
    kabupaten_code TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    desa_code      TEXT NOT NULL,
    no_kk          TEXT,                    -- NULL when the family has none or it is unknown
    no_kk_missing  TEXT,                    -- tidak_punya / tidak_tahu
    no_kk_reason   TEXT,
    head_name      TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    member_count   INTEGER,
    latitude       REAL,
    longitude      REAL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX households_kk ON households (no_kk) WHERE no_kk IS NOT NULL;
CREATE INDEX households_desa ON households (desa_code);

CREATE TABLE household_members (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households (id),
    nik           TEXT,
    nik_missing   TEXT,
    nik_reason    TEXT,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,            -- lower case, single spaces: duplicate checks
    sex           TEXT CHECK (sex IN ('L', 'P')),
    birth_date    TEXT,
    age_months    INTEGER,                  -- at the time of the report
    relation      TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX household_members_nik ON household_members (nik) WHERE nik IS NOT NULL;
CREATE INDEX household_members_identity ON household_members (name_key, birth_date);

-- Readable case numbers per district and local year: KNG-2026-000123.
CREATE TABLE case_counters (
    kabupaten_code TEXT NOT NULL,
    year           INTEGER NOT NULL,
    last_number    INTEGER NOT NULL,
    PRIMARY KEY (kabupaten_code, year)
);

CREATE TABLE cases (
    id             INTEGER PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    kabupaten_code TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    desa_code      TEXT NOT NULL,
    household_id   INTEGER NOT NULL REFERENCES households (id),
    reporter_id    INTEGER NOT NULL REFERENCES users (id),
    state          TEXT NOT NULL,
    urgency        TEXT NOT NULL CHECK (urgency IN ('biasa', 'segera', 'darurat')),
    protected      INTEGER NOT NULL DEFAULT 0, -- consent refused or the guardian is the problem
    description    TEXT NOT NULL DEFAULT '',
    details        TEXT NOT NULL DEFAULT '{}', -- JSON: follow-up answers per category, bansos...
    consent        TEXT NOT NULL DEFAULT '{}', -- JSON: who, relation, method, at (UU PDP Ps. 22-25)
    answers        TEXT NOT NULL DEFAULT '{}', -- JSON: the form's answers as submitted
    form_version   INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1, -- optimistic concurrency for review
    submitted_at   TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX cases_scope ON cases (kabupaten_code, kecamatan_code, desa_code, state);
CREATE INDEX cases_reporter ON cases (reporter_id, submitted_at);
CREATE INDEX cases_household ON cases (household_id);

CREATE TABLE case_subjects (
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    member_id INTEGER NOT NULL REFERENCES household_members (id),
    PRIMARY KEY (case_id, member_id)
);
CREATE INDEX case_subjects_member ON case_subjects (member_id);

CREATE TABLE case_categories (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    code    TEXT NOT NULL,
    PRIMARY KEY (case_id, code)
);
CREATE INDEX case_categories_code ON case_categories (code);

CREATE TABLE case_photos (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    path       TEXT NOT NULL,               -- relative to MEDIA_PATH
    created_at TEXT NOT NULL
);
CREATE INDEX case_photos_case ON case_photos (case_id);

-- Every change of state: who, when, why (the review feature adds transitions).
CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    at         TEXT NOT NULL,
    actor_id   INTEGER REFERENCES users (id),
    from_state TEXT,
    to_state   TEXT NOT NULL,
    reason     TEXT
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- A later report about a household that already has an open case, added to that case.
CREATE TABLE case_updates (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    reporter_id INTEGER NOT NULL REFERENCES users (id),
    answers     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX case_updates_case ON case_updates (case_id);

-- Possible duplicates the reporter was not told about (outside their scope).
CREATE TABLE duplicate_flags (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    other_id    INTEGER NOT NULL REFERENCES cases (id),
    matched_on  TEXT NOT NULL,              -- nik, kk, identity
    created_at  TEXT NOT NULL
);
