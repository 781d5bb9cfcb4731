-- People management (/pengguna): a version per user, bumped by every change a coordinator or
-- admin makes to a person (decision, role, region, status, handover), so two of them acting
-- on the same person at once cannot both win.
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX users_people ON users (kabupaten_code, role, full_name);
