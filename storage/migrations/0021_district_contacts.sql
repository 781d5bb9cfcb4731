-- Each district office's contact line (who to call, which number, when), set by its
-- coordinators in /kontak and shown to the people a message sends to the office: a rejected
-- registration, a suspension, /bantuan. Free text as typed (escaped when shown); no row: the
-- messages keep their general wording.
CREATE TABLE district_contacts (
    kabupaten_code TEXT PRIMARY KEY,
    contact        TEXT NOT NULL CHECK (length(trim(contact)) BETWEEN 1 AND 200),
    updated_by     INTEGER REFERENCES users (id),
    updated_at     TEXT NOT NULL
);
