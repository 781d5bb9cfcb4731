-- The last text message to a person's chat (storage/outbox_queries.py `last_text_to_chat`:
-- the buttons they see last, read on every text the bot did not understand). Through
-- `outbox_waiting (user_id, status)` that read every message the person was ever sent, its
-- JSON too, and sorted them: ~50 ms at 20,000 messages. This index holds the text messages
-- alone, by chat, in the order they were queued (the rowid ends every entry): the last one is
-- its last entry, found without reading the others.
CREATE INDEX outbox_last_text ON outbox (user_id, channel, chat_id)
    WHERE COALESCE(json_extract(message, '$.type'), 'text') = 'text';
