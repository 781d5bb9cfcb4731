-- A command run amid a form whose result is prepared in the background ("statistik" at the KK
-- question) asks the form's question again below that result, drawn when the result is queued
-- and only if the session is still at the revision the command left it at
-- (handlers/forms/held_question.py). Written down with the request, so that after a restart
-- the "ask again" notice is followed by the form's question as well (bot/interrupted.py).
-- No reference: a session deleted meanwhile simply has nothing to ask.
ALTER TABLE background_requests ADD COLUMN resume_session INTEGER;
ALTER TABLE background_requests ADD COLUMN resume_rev INTEGER;
