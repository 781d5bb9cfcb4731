-- Every version of a case's answers is kept when the reporter revises it (review feature).
CREATE TABLE case_versions (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    version    INTEGER NOT NULL,
    answers    TEXT NOT NULL,
    details    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (case_id, version)
);
CREATE INDEX cases_queue ON cases (kabupaten_code, state, urgency, submitted_at);
CREATE INDEX cases_queue_kecamatan ON cases (kecamatan_code, state, urgency, submitted_at);
