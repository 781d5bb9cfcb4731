-- Delivery records for channels that report back (WhatsApp status webhooks) and the
-- WhatsApp template used to reopen a closed 24-hour window.
ALTER TABLE outbox ADD COLUMN template TEXT;
ALTER TABLE outbox ADD COLUMN delivery_status TEXT;   -- sent, delivered, read, failed
ALTER TABLE outbox ADD COLUMN delivery_error INTEGER; -- the channel's error code
CREATE INDEX outbox_ext_message ON outbox (channel, ext_message_id) WHERE ext_message_id IS NOT NULL;
CREATE INDEX channel_identities_chat ON channel_identities (channel, chat_id);
