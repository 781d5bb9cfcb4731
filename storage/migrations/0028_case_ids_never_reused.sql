-- Case ids are never given twice. `cases.id` was a plain INTEGER PRIMARY KEY: once the
-- highest case was deleted (retention), the next case got its id again, and what still named
-- the old one by id (its audit entries, `case:<id>`, those written before 0025 without a
-- number; a button in an old message) named the new one. AUTOINCREMENT keeps the highest id
-- ever given in `sqlite_sequence`, in the database itself, so a restart or a restored backup
-- keeps it too. (Case numbers were never given twice: `case_counters` only counts up.)
--
-- SQLite adds AUTOINCREMENT only by rebuilding the table (sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"): the runner turns foreign keys off around this
-- migration and checks them before it commits (storage/migrate.py REBUILDS); the other
-- tables' references to `cases` and their triggers reading it stay as they are (legacy
-- ALTER TABLE: the rename must not rewrite or check them while `cases` is away). The
-- indexes and the triggers of `cases` go with the old table and are made again, as they
-- were; the rows are copied before the triggers exist, so the counts are not counted twice.
PRAGMA legacy_alter_table = ON;

CREATE TABLE cases_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
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
    updated_at     TEXT NOT NULL,
    submitted_by   INTEGER REFERENCES users (id) -- who wrote it (0024)
);

INSERT INTO cases_new (id, number, kabupaten_code, kecamatan_code, desa_code, household_id, reporter_id, state,
    urgency, protected, description, details, consent, answers, form_version, version,
    submitted_at, updated_at, submitted_by)
SELECT id, number, kabupaten_code, kecamatan_code, desa_code, household_id, reporter_id, state,
    urgency, protected, description, details, consent, answers, form_version, version,
    submitted_at, updated_at, submitted_by
FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
PRAGMA legacy_alter_table = OFF;

-- The highest id given: the highest case there, or a higher one deleted before, as the audit
-- log still names it.
INSERT INTO sqlite_sequence (name, seq) SELECT 'cases', 0
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'cases');
UPDATE sqlite_sequence SET seq = max(seq, coalesce(
    (SELECT max(CAST(substr(subject, 6) AS INTEGER)) FROM audit_log
     WHERE subject GLOB 'case:[0-9]*'), 0))
WHERE name = 'cases';

CREATE INDEX cases_scope ON cases (kabupaten_code, kecamatan_code, desa_code, state);
CREATE INDEX cases_reporter ON cases (reporter_id, submitted_at);
CREATE INDEX cases_household ON cases (household_id);
CREATE INDEX cases_queue ON cases (kabupaten_code, state, urgency, submitted_at);
CREATE INDEX cases_queue_kecamatan ON cases (kecamatan_code, state, urgency, submitted_at);
CREATE INDEX cases_stats_kabupaten
    ON cases (kabupaten_code, submitted_at, kecamatan_code, state, reporter_id);
CREATE INDEX cases_stats_kecamatan ON cases (kecamatan_code, submitted_at, state, reporter_id);
CREATE INDEX cases_stats_period ON cases (submitted_at, kecamatan_code, state, reporter_id);
CREATE INDEX cases_closed ON cases (state, updated_at);

CREATE TRIGGER case_counts_case_added AFTER INSERT ON cases BEGIN
    INSERT INTO case_counts VALUES (new.kabupaten_code, new.kecamatan_code, new.state, '', 1)
        ON CONFLICT DO UPDATE SET cases = cases + 1;
END;

CREATE TRIGGER case_counts_case_removed AFTER DELETE ON cases BEGIN
    UPDATE case_counts SET cases = cases - 1
        WHERE kabupaten_code = old.kabupaten_code AND kecamatan_code = old.kecamatan_code
        AND state = old.state AND category = '';
END;

CREATE TRIGGER case_counts_case_moved
AFTER UPDATE OF kabupaten_code, kecamatan_code, state ON cases
WHEN old.kabupaten_code IS NOT new.kabupaten_code OR old.kecamatan_code IS NOT new.kecamatan_code
    OR old.state IS NOT new.state
BEGIN
    INSERT INTO case_counts
        SELECT old.kabupaten_code, old.kecamatan_code, old.state, '', -1
        UNION ALL SELECT new.kabupaten_code, new.kecamatan_code, new.state, '', 1
        UNION ALL SELECT old.kabupaten_code, old.kecamatan_code, old.state, code, -1
            FROM case_categories WHERE case_id = old.id
        UNION ALL SELECT new.kabupaten_code, new.kecamatan_code, new.state, code, 1
            FROM case_categories WHERE case_id = new.id
        ON CONFLICT DO UPDATE SET cases = cases + excluded.cases;
END;

CREATE TRIGGER case_day_counts_case_added AFTER INSERT ON cases BEGIN
    INSERT INTO case_day_counts
        SELECT new.kabupaten_code, new.kecamatan_code,
            date(substr(new.submitted_at, 1, 19), printf('%+d minutes', minutes)), new.state, '', 1
        FROM case_day_offset WHERE id = 1
        ON CONFLICT DO UPDATE SET cases = cases + 1;
    INSERT INTO case_day_reporters
        SELECT new.kabupaten_code, new.kecamatan_code,
            date(substr(new.submitted_at, 1, 19), printf('%+d minutes', minutes)), new.reporter_id, 1
        FROM case_day_offset WHERE id = 1
        ON CONFLICT DO UPDATE SET cases = cases + 1;
END;

CREATE TRIGGER case_day_counts_case_removed AFTER DELETE ON cases BEGIN
    UPDATE case_day_counts SET cases = cases - 1
        WHERE kabupaten_code = old.kabupaten_code AND kecamatan_code = old.kecamatan_code
        AND day = (SELECT date(substr(old.submitted_at, 1, 19), printf('%+d minutes', minutes))
            FROM case_day_offset)
        AND state = old.state AND category = '';
    UPDATE case_day_reporters SET cases = cases - 1
        WHERE kabupaten_code = old.kabupaten_code AND kecamatan_code = old.kecamatan_code
        AND day = (SELECT date(substr(old.submitted_at, 1, 19), printf('%+d minutes', minutes))
            FROM case_day_offset)
        AND reporter_id = old.reporter_id;
END;

CREATE TRIGGER case_day_counts_case_moved
AFTER UPDATE OF kabupaten_code, kecamatan_code, state, submitted_at ON cases
WHEN old.kabupaten_code IS NOT new.kabupaten_code OR old.kecamatan_code IS NOT new.kecamatan_code
    OR old.state IS NOT new.state OR old.submitted_at IS NOT new.submitted_at
BEGIN
    INSERT INTO case_day_counts
        SELECT old.kabupaten_code, old.kecamatan_code,
            date(substr(old.submitted_at, 1, 19), printf('%+d minutes', o.minutes)), old.state, '', -1
            FROM case_day_offset o
        UNION ALL SELECT new.kabupaten_code, new.kecamatan_code,
            date(substr(new.submitted_at, 1, 19), printf('%+d minutes', o.minutes)), new.state, '', 1
            FROM case_day_offset o
        UNION ALL SELECT old.kabupaten_code, old.kecamatan_code,
            date(substr(old.submitted_at, 1, 19), printf('%+d minutes', o.minutes)), old.state, k.code, -1
            FROM case_categories k, case_day_offset o WHERE k.case_id = old.id
        UNION ALL SELECT new.kabupaten_code, new.kecamatan_code,
            date(substr(new.submitted_at, 1, 19), printf('%+d minutes', o.minutes)), new.state, k.code, 1
            FROM case_categories k, case_day_offset o WHERE k.case_id = new.id
        ON CONFLICT DO UPDATE SET cases = cases + excluded.cases;
END;

CREATE TRIGGER case_day_reporters_case_moved
AFTER UPDATE OF kabupaten_code, kecamatan_code, reporter_id, submitted_at ON cases
WHEN old.kabupaten_code IS NOT new.kabupaten_code OR old.kecamatan_code IS NOT new.kecamatan_code
    OR old.reporter_id IS NOT new.reporter_id OR old.submitted_at IS NOT new.submitted_at
BEGIN
    INSERT INTO case_day_reporters
        SELECT old.kabupaten_code, old.kecamatan_code,
            date(substr(old.submitted_at, 1, 19), printf('%+d minutes', o.minutes)), old.reporter_id, -1
            FROM case_day_offset o
        UNION ALL SELECT new.kabupaten_code, new.kecamatan_code,
            date(substr(new.submitted_at, 1, 19), printf('%+d minutes', o.minutes)), new.reporter_id, 1
            FROM case_day_offset o WHERE o.id = 1
        ON CONFLICT DO UPDATE SET cases = cases + excluded.cases;
END;
