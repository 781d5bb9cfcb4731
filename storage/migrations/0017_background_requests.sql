-- Heavy work a turn handed off (statistics, exports: `BackgroundJob`) runs after the turn's
-- commit, in memory. Each one is written down here in the turn's own transaction and removed
-- in the transaction that queues its answer, so a restart in between is known: the person is
-- told to ask again (bot/interrupted.py), never left waiting for an answer that will not come.
CREATE TABLE background_requests (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    language   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
