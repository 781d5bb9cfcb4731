-- Performance (issue 8).
-- Each getUpdates confirms the updates below its offset (`InboxRepo.confirm_below`): only the
-- few not yet confirmed rows need reading, so index just those.
CREATE INDEX inbox_unconfirmed ON inbox (channel) WHERE confirmed = 0;

-- District statistics at a million cases: counts per (kabupaten, kecamatan, state, category)
-- kept by triggers, so every writer (submission, review, revision, retention, erasure) keeps
-- them exact in its own transaction. category '' counts the cases themselves (each case
-- once, whatever its categories); other rows count the cases carrying that category.
CREATE TABLE case_counts (
    kabupaten_code TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    state          TEXT NOT NULL,
    category       TEXT NOT NULL,
    cases          INTEGER NOT NULL,
    PRIMARY KEY (kabupaten_code, kecamatan_code, state, category)
);

INSERT INTO case_counts (kabupaten_code, kecamatan_code, state, category, cases)
    SELECT kabupaten_code, kecamatan_code, state, '', COUNT(*) FROM cases
    GROUP BY kabupaten_code, kecamatan_code, state;
INSERT INTO case_counts (kabupaten_code, kecamatan_code, state, category, cases)
    SELECT c.kabupaten_code, c.kecamatan_code, c.state, k.code, COUNT(*)
    FROM case_categories k JOIN cases c ON c.id = k.case_id
    GROUP BY c.kabupaten_code, c.kecamatan_code, c.state, k.code;

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

CREATE TRIGGER case_counts_category_added AFTER INSERT ON case_categories BEGIN
    INSERT INTO case_counts
        SELECT kabupaten_code, kecamatan_code, state, new.code, 1 FROM cases
        WHERE id = new.case_id
        ON CONFLICT DO UPDATE SET cases = cases + 1;
END;

CREATE TRIGGER case_counts_category_removed AFTER DELETE ON case_categories BEGIN
    UPDATE case_counts SET cases = cases - 1
        WHERE category = old.code AND (kabupaten_code, kecamatan_code, state) =
            (SELECT kabupaten_code, kecamatan_code, state FROM cases WHERE id = old.case_id);
END;

CREATE TRIGGER case_counts_category_changed AFTER UPDATE ON case_categories BEGIN
    UPDATE case_counts SET cases = cases - 1
        WHERE category = old.code AND (kabupaten_code, kecamatan_code, state) =
            (SELECT kabupaten_code, kecamatan_code, state FROM cases WHERE id = old.case_id);
    INSERT INTO case_counts
        SELECT kabupaten_code, kecamatan_code, state, new.code, 1 FROM cases
        WHERE id = new.case_id
        ON CONFLICT DO UPDATE SET cases = cases + 1;
END;
