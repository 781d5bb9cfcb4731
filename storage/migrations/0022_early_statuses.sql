-- WhatsApp status reports that came before the id of their message was written (the sender
-- writes the outcomes of its sends together, up to ~50 ms after the send, and a fast
-- "failed" may come first): kept until the id is written, then applied. Reports of ids that
-- never come (another app on the number) are dropped after an hour by the housekeeping.
CREATE TABLE early_statuses (
    ext_message_id TEXT NOT NULL,           -- the wamid reported on
    status         TEXT NOT NULL,           -- sent, delivered, read, failed
    error_code     INTEGER,                 -- the first error's code, for a failed one
    received_at    TEXT NOT NULL,
    PRIMARY KEY (ext_message_id, status)
);
CREATE INDEX early_statuses_age ON early_statuses (received_at);
-- A failed report on a template is matched by the template's wamid (it scanned the table).
CREATE INDEX template_sends_message ON template_sends (ext_message_id)
    WHERE ext_message_id IS NOT NULL;
