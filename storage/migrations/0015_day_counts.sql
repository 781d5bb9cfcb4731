-- Per-day rollups for /statistik periods (issues 5 and 8): counts per LOCAL day of submission,
-- kept exact by triggers like `case_counts` (0014), so every writer (submission, review,
-- revision, hand-over, retention purge, subject erasure) keeps them exact in its own
-- transaction.
--
-- A local day is `date(submitted_at + offset)` with the fixed UTC offset in `case_day_offset`
-- (the moment cut to whole seconds first: SQLite rounds fractions to milliseconds, which would
-- put 23:59:59.9999996 on the next day; stored moments are always UTC `...+00:00`)
-- (+07:00, Asia/Jakarta, which has no DST). Readers take the day boundaries from the same row,
-- so the sums are exact for any fixed offset, and for any period (storage/stats.py counts the
-- partial days at the ends from the cases themselves).
CREATE TABLE case_day_offset (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    minutes INTEGER NOT NULL            -- local time = UTC + minutes
);
INSERT INTO case_day_offset VALUES (1, 420);

-- Cases per (kabupaten, kecamatan, day, state, category). category '' counts the cases
-- themselves (each once); other rows count the cases carrying that category.
CREATE TABLE case_day_counts (
    kabupaten_code TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    day            TEXT NOT NULL,       -- local date YYYY-MM-DD of submitted_at
    state          TEXT NOT NULL,
    category       TEXT NOT NULL,
    cases          INTEGER NOT NULL,
    PRIMARY KEY (kabupaten_code, day, kecamatan_code, state, category)
) WITHOUT ROWID;
CREATE INDEX case_day_counts_kecamatan
    ON case_day_counts (kecamatan_code, day, state, category, cases);
CREATE INDEX case_day_counts_day ON case_day_counts (day, kecamatan_code, state, category, cases);

-- Cases per (kabupaten, kecamatan, day, reporter): the report's top PSMs. Kept apart from
-- the state x category rows so neither multiplies the other.
CREATE TABLE case_day_reporters (
    kabupaten_code TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    day            TEXT NOT NULL,
    reporter_id    INTEGER NOT NULL,
    cases          INTEGER NOT NULL,
    PRIMARY KEY (kabupaten_code, day, kecamatan_code, reporter_id)
) WITHOUT ROWID;
CREATE INDEX case_day_reporters_kecamatan
    ON case_day_reporters (kecamatan_code, day, reporter_id, cases);
CREATE INDEX case_day_reporters_day ON case_day_reporters (day, reporter_id, cases);

INSERT INTO case_day_counts (kabupaten_code, kecamatan_code, day, state, category, cases)
    SELECT kabupaten_code, kecamatan_code,
        date(substr(submitted_at, 1, 19), (SELECT printf('%+d minutes', minutes) FROM case_day_offset)),
        state, '', COUNT(*)
    FROM cases GROUP BY 1, 2, 3, 4;
INSERT INTO case_day_counts (kabupaten_code, kecamatan_code, day, state, category, cases)
    SELECT c.kabupaten_code, c.kecamatan_code,
        date(substr(c.submitted_at, 1, 19), (SELECT printf('%+d minutes', minutes) FROM case_day_offset)),
        c.state, k.code, COUNT(*)
    FROM case_categories k JOIN cases c ON c.id = k.case_id GROUP BY 1, 2, 3, 4, 5;
INSERT INTO case_day_reporters (kabupaten_code, kecamatan_code, day, reporter_id, cases)
    SELECT kabupaten_code, kecamatan_code,
        date(substr(submitted_at, 1, 19), (SELECT printf('%+d minutes', minutes) FROM case_day_offset)),
        reporter_id, COUNT(*)
    FROM cases GROUP BY 1, 2, 3, 4;

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

CREATE TRIGGER case_day_counts_category_added AFTER INSERT ON case_categories BEGIN
    INSERT INTO case_day_counts
        SELECT c.kabupaten_code, c.kecamatan_code,
            date(substr(c.submitted_at, 1, 19), printf('%+d minutes', o.minutes)), c.state, new.code, 1
        FROM cases c, case_day_offset o WHERE c.id = new.case_id
        ON CONFLICT DO UPDATE SET cases = cases + 1;
END;

CREATE TRIGGER case_day_counts_category_removed AFTER DELETE ON case_categories BEGIN
    UPDATE case_day_counts SET cases = cases - 1
        WHERE category = old.code AND (kabupaten_code, day, kecamatan_code, state) =
            (SELECT c.kabupaten_code, date(substr(c.submitted_at, 1, 19), printf('%+d minutes', o.minutes)),
                c.kecamatan_code, c.state
            FROM cases c, case_day_offset o WHERE c.id = old.case_id);
END;

CREATE TRIGGER case_day_counts_category_changed AFTER UPDATE ON case_categories BEGIN
    UPDATE case_day_counts SET cases = cases - 1
        WHERE category = old.code AND (kabupaten_code, day, kecamatan_code, state) =
            (SELECT c.kabupaten_code, date(substr(c.submitted_at, 1, 19), printf('%+d minutes', o.minutes)),
                c.kecamatan_code, c.state
            FROM cases c, case_day_offset o WHERE c.id = old.case_id);
    INSERT INTO case_day_counts
        SELECT c.kabupaten_code, c.kecamatan_code,
            date(substr(c.submitted_at, 1, 19), printf('%+d minutes', o.minutes)), c.state, new.code, 1
        FROM cases c, case_day_offset o WHERE c.id = new.case_id
        ON CONFLICT DO UPDATE SET cases = cases + 1;
END;
