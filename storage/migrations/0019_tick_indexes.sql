-- The scheduler's minute tick at 1,000,000 cases and 50,000 people: each of these queries ran
-- every minute and read a whole table (or a kabupaten's followed cases) to find nothing.
-- The daily reminder asks, for every coordinator whose hour has come and who has no reminder
-- yet, whether a visit whose latest record is theirs is due (storage.visits): seek their own
-- visits with a next date by that date instead of every followed case of the kabupaten.
CREATE INDEX case_visits_recorder ON case_visits (recorded_by, next_visit_on)
    WHERE next_visit_on IS NOT NULL;
-- Draft expiry looks for each form's unfinished sessions idle since a moment: the few drafts,
-- not the million finished sessions (storage.forms FormRepo.stale).
CREATE INDEX form_sessions_drafts ON form_sessions (form_id, updated_at)
    WHERE status IN ('active', 'paused');
