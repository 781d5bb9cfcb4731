-- Trainings (Bimtek), continued: a join code per training for the invitation letter's links
-- (Telegram deep link and WhatsApp keyword), and phone numbers invited before their owners
-- use the bot (attached when someone with that verified phone arrives).
ALTER TABLE trainings ADD COLUMN join_code TEXT;
CREATE UNIQUE INDEX trainings_join_code ON trainings (join_code);

CREATE TABLE training_pending_invitations (
    training_id INTEGER NOT NULL REFERENCES trainings (id),
    phone       TEXT NOT NULL,            -- E.164 (+628...)
    name        TEXT,                     -- as given in the imported file
    invited_by  INTEGER NOT NULL REFERENCES users (id),
    invited_at  TEXT NOT NULL,
    user_id     INTEGER REFERENCES users (id),  -- who it was attached to, once they arrived
    attached_at TEXT,
    PRIMARY KEY (training_id, phone)
);
CREATE INDEX training_pending_phone ON training_pending_invitations (phone)
    WHERE user_id IS NULL;
