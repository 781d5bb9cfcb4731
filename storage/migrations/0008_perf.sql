-- Performance (issue 8).
-- Each getUpdates confirms the updates below its offset (`InboxRepo.confirm_below`): only the
-- few not yet confirmed rows need reading, so index just those.
CREATE INDEX inbox_unconfirmed ON inbox (channel) WHERE confirmed = 0;
