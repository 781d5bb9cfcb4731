-- What a step recorded beyond its reason, as JSON: a verification's check in the field
-- (`method`, `finding`, `note`, `latitude`, `longitude`: handlers/review/verification.py).
-- Kept on the event itself: it is that step's record, deleted with the case's events.
ALTER TABLE case_events ADD COLUMN detail TEXT;
