-- Follow-up visits (tindak lanjut) of approved cases by the TKSK or a coordinator.
CREATE TABLE case_visits (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    visited_on    TEXT NOT NULL,        -- local date of the visit (YYYY-MM-DD), not in the future
    actions       TEXT NOT NULL,        -- what was done
    next_visit_on TEXT,                 -- local date of the next visit, if planned
    recorded_by   INTEGER NOT NULL REFERENCES users (id),
    recorded_at   TEXT NOT NULL
);
CREATE INDEX case_visits_case ON case_visits (case_id, id);
-- Reminders look for next visits due on or before a day.
CREATE INDEX case_visits_next ON case_visits (next_visit_on) WHERE next_visit_on IS NOT NULL;
