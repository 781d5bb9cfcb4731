-- Rolling windows for /statistik 7, 30 and 365 (issues 5 and 8): the per-day rollups of 0015
-- summed over the last `span` local days, so a year of a district is a few hundred rows (and
-- one row per reporter), not a quarter of a million day rows.
--
-- A window of span S ending on local day E holds the day rows of days E-S+1 .. E (local days of
-- `case_day_offset`). Triggers on the day rollups pass every change of a day row inside a
-- window on to it, so every writer keeps the windows exact in its own transaction without
-- knowing about them. When the local day changes, the scheduler's tick moves the end
-- (storage/stats_windows.py: the day that left the window is subtracted, the days that entered
-- are added, in one transaction). Readers use a window only when its end is today; otherwise
-- they sum the day rows (storage/stats.py).
CREATE TABLE case_window_end (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_day TEXT NOT NULL              -- local date YYYY-MM-DD the windows end on
);
INSERT INTO case_window_end
    SELECT 1, date('now', printf('%+d minutes', minutes)) FROM case_day_offset WHERE id = 1;

CREATE TABLE case_window_spans (span INTEGER PRIMARY KEY CHECK (span > 0));
INSERT INTO case_window_spans VALUES (7), (30), (365);

-- Same columns as case_counts (0014), per window.
CREATE TABLE case_window_counts (
    span           INTEGER NOT NULL,
    kabupaten_code TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    state          TEXT NOT NULL,
    category       TEXT NOT NULL,       -- '' counts the cases themselves
    cases          INTEGER NOT NULL,
    PRIMARY KEY (span, kabupaten_code, kecamatan_code, state, category)
) WITHOUT ROWID;
CREATE INDEX case_window_counts_kecamatan
    ON case_window_counts (span, kecamatan_code, state, category, cases);

-- Reporter before kecamatan: a district's top reporters are summed in key order.
CREATE TABLE case_window_reporters (
    span           INTEGER NOT NULL,
    kabupaten_code TEXT NOT NULL,
    reporter_id    INTEGER NOT NULL,
    kecamatan_code TEXT NOT NULL,
    cases          INTEGER NOT NULL,
    PRIMARY KEY (span, kabupaten_code, reporter_id, kecamatan_code)
) WITHOUT ROWID;
CREATE INDEX case_window_reporters_kecamatan
    ON case_window_reporters (span, kecamatan_code, reporter_id, cases);

INSERT INTO case_window_counts (span, kabupaten_code, kecamatan_code, state, category, cases)
    SELECT s.span, d.kabupaten_code, d.kecamatan_code, d.state, d.category, SUM(d.cases)
    FROM case_window_spans s, case_window_end e, case_day_counts d
    WHERE d.day <= e.last_day AND d.day > date(e.last_day, printf('-%d days', s.span))
    GROUP BY 1, 2, 3, 4, 5 HAVING SUM(d.cases) != 0;
INSERT INTO case_window_reporters (span, kabupaten_code, reporter_id, kecamatan_code, cases)
    SELECT s.span, d.kabupaten_code, d.reporter_id, d.kecamatan_code, SUM(d.cases)
    FROM case_window_spans s, case_window_end e, case_day_reporters d
    WHERE d.day <= e.last_day AND d.day > date(e.last_day, printf('-%d days', s.span))
    GROUP BY 1, 2, 3, 4 HAVING SUM(d.cases) != 0;

-- A day row's change reaches every window its day lies in (old and new keys, so even a change
-- of key columns would be followed).
CREATE TRIGGER case_window_counts_day_added AFTER INSERT ON case_day_counts BEGIN
    INSERT INTO case_window_counts
        SELECT s.span, new.kabupaten_code, new.kecamatan_code, new.state, new.category, new.cases
        FROM case_window_spans s, case_window_end e
        WHERE new.day <= e.last_day AND new.day > date(e.last_day, printf('-%d days', s.span))
        ON CONFLICT DO UPDATE SET cases = cases + excluded.cases;
END;

CREATE TRIGGER case_window_counts_day_changed AFTER UPDATE ON case_day_counts BEGIN
    INSERT INTO case_window_counts
        SELECT s.span, old.kabupaten_code, old.kecamatan_code, old.state, old.category, -old.cases
        FROM case_window_spans s, case_window_end e
        WHERE old.day <= e.last_day AND old.day > date(e.last_day, printf('-%d days', s.span))
        UNION ALL
        SELECT s.span, new.kabupaten_code, new.kecamatan_code, new.state, new.category, new.cases
        FROM case_window_spans s, case_window_end e
        WHERE new.day <= e.last_day AND new.day > date(e.last_day, printf('-%d days', s.span))
        ON CONFLICT DO UPDATE SET cases = cases + excluded.cases;
END;

CREATE TRIGGER case_window_counts_day_removed AFTER DELETE ON case_day_counts BEGIN
    INSERT INTO case_window_counts
        SELECT s.span, old.kabupaten_code, old.kecamatan_code, old.state, old.category, -old.cases
        FROM case_window_spans s, case_window_end e
        WHERE old.day <= e.last_day AND old.day > date(e.last_day, printf('-%d days', s.span))
        ON CONFLICT DO UPDATE SET cases = cases + excluded.cases;
END;

CREATE TRIGGER case_window_reporters_day_added AFTER INSERT ON case_day_reporters BEGIN
    INSERT INTO case_window_reporters
        SELECT s.span, new.kabupaten_code, new.reporter_id, new.kecamatan_code, new.cases
        FROM case_window_spans s, case_window_end e
        WHERE new.day <= e.last_day AND new.day > date(e.last_day, printf('-%d days', s.span))
        ON CONFLICT DO UPDATE SET cases = cases + excluded.cases;
END;

CREATE TRIGGER case_window_reporters_day_changed AFTER UPDATE ON case_day_reporters BEGIN
    INSERT INTO case_window_reporters
        SELECT s.span, old.kabupaten_code, old.reporter_id, old.kecamatan_code, -old.cases
        FROM case_window_spans s, case_window_end e
        WHERE old.day <= e.last_day AND old.day > date(e.last_day, printf('-%d days', s.span))
        UNION ALL
        SELECT s.span, new.kabupaten_code, new.reporter_id, new.kecamatan_code, new.cases
        FROM case_window_spans s, case_window_end e
        WHERE new.day <= e.last_day AND new.day > date(e.last_day, printf('-%d days', s.span))
        ON CONFLICT DO UPDATE SET cases = cases + excluded.cases;
END;

CREATE TRIGGER case_window_reporters_day_removed AFTER DELETE ON case_day_reporters BEGIN
    INSERT INTO case_window_reporters
        SELECT s.span, old.kabupaten_code, old.reporter_id, old.kecamatan_code, -old.cases
        FROM case_window_spans s, case_window_end e
        WHERE old.day <= e.last_day AND old.day > date(e.last_day, printf('-%d days', s.span))
        ON CONFLICT DO UPDATE SET cases = cases + excluded.cases;
END;
