-- Who wrote each case: the person who sent it first. `reporter_id` is who answers for the
-- case now, and a handover gives it to someone else; four eyes (nobody verifies or approves
-- a case they wrote) must still know the author once the case is handed over. The cases
-- already there: the actor of their first event (the submission), else of their
-- `case.submitted` audit entry, else their reporter (no handover moved them yet).
ALTER TABLE cases ADD COLUMN submitted_by INTEGER REFERENCES users (id);
UPDATE cases SET submitted_by = COALESCE(
    (SELECT e.actor_id FROM case_events e
     WHERE e.case_id = cases.id AND e.from_state IS NULL ORDER BY e.id LIMIT 1),
    (SELECT a.actor_id FROM audit_log a
     WHERE a.subject = 'case:' || cases.id AND a.action = 'case.submitted' ORDER BY a.id LIMIT 1),
    reporter_id
);
