-- The parts of a message the channel took in several sends (a long text in pieces, the plain
-- text before WhatsApp's buttons): each part's channel id once accepted. A send tried again
-- resumes after the parts already accepted (the person never reads part 1 twice), and a
-- status report about any part (a late 131047 on part 1) finds its message. Ids only, no text.
CREATE TABLE outbox_parts (
    outbox_id      INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    part           INTEGER NOT NULL,       -- 0, 1, ... in sending order
    channel        TEXT NOT NULL,
    ext_message_id TEXT NOT NULL,
    PRIMARY KEY (outbox_id, part)
);
CREATE INDEX outbox_parts_ext ON outbox_parts (channel, ext_message_id);
