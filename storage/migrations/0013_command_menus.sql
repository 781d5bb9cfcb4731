-- Per-chat command menus: which menu (a fingerprint) each chat was last given, so a person's
-- menu is sent again only when their role, status or language (or the release) changes.
ALTER TABLE channel_identities ADD COLUMN menu_key TEXT;
