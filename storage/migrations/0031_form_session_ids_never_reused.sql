-- Form session ids are never given twice. A form's buttons name their session
-- (`f<session>.<rev>:<action>`, handlers/forms/step.py): every session's revision starts at 1,
-- so by its revision alone a button of a finished verification answered the open one. With
-- `form_sessions.id` a plain INTEGER PRIMARY KEY, once the highest session was deleted
-- (retention, an erasure) the next session got its id again, and the buttons still on screen
-- from the deleted one would answer the new one. AUTOINCREMENT keeps the highest id ever given
-- in `sqlite_sequence`, in the database itself (a restart, a restored backup keep it too), as
-- 0028 did for cases.
--
-- SQLite adds AUTOINCREMENT only by rebuilding the table: the runner turns foreign keys off
-- around this migration and checks the rebuilt table's references before it commits
-- (storage/migrate.py REBUILDS). No table refers to form_sessions (a background request names
-- its session without a reference, 0030); its indexes go with the old table and are made
-- again, as they were.
CREATE TABLE form_sessions_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    form_id      TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    state        TEXT NOT NULL,             -- JSON: answers, repeat positions, paging
    rev          INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL CHECK (status IN ('active', 'paused', 'completed', 'cancelled')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    cleared_at   TEXT,                      -- answers blanked (0009)
    FOREIGN KEY (form_id, form_version) REFERENCES form_versions (form_id, version)
);

INSERT INTO form_sessions_new (id, user_id, form_id, form_version, state, rev, status,
    created_at, updated_at, cleared_at)
SELECT id, user_id, form_id, form_version, state, rev, status, created_at, updated_at, cleared_at
FROM form_sessions;
DROP TABLE form_sessions;
ALTER TABLE form_sessions_new RENAME TO form_sessions;

-- The highest id given: the highest session there, or a higher one deleted before that a
-- background request still names. (Buttons from before this version did not name their
-- session: they are refused whatever their number, so a session deleted before the upgrade
-- and named nowhere cannot come back through one.)
INSERT INTO sqlite_sequence (name, seq) SELECT 'form_sessions', 0
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'form_sessions');
UPDATE sqlite_sequence SET seq = max(seq,
    coalesce((SELECT max(id) FROM form_sessions), 0),
    coalesce((SELECT max(resume_session) FROM background_requests), 0))
WHERE name = 'form_sessions';

CREATE UNIQUE INDEX form_sessions_one_active ON form_sessions (user_id) WHERE status = 'active';
CREATE INDEX form_sessions_user ON form_sessions (user_id, status);
CREATE INDEX form_sessions_to_clear ON form_sessions (updated_at)
    WHERE cleared_at IS NULL AND status IN ('completed', 'cancelled');
CREATE INDEX form_sessions_drafts ON form_sessions (form_id, updated_at)
    WHERE status IN ('active', 'paused');
