-- A user merged into another (`psm-bot user merge`, storage/user_merge.py) keeps its row for
-- the audit log, which names it. It was left `suspended` with nothing else to tell it apart:
-- a name search in /pengguna offered it as a suspended person, to be reactivated empty.
-- `merged_into` names the user it became part of; every list and change of people skips a
-- row that has one, and the audit names it "digabung ke <name>".
ALTER TABLE users ADD COLUMN merged_into INTEGER REFERENCES users (id);

-- Those merged before this column: their `user.merged` audit entry names the kept user.
UPDATE users SET merged_into = (
    SELECT json_extract(a.detail, '$.into') FROM audit_log a
    WHERE a.action = 'user.merged' AND a.subject = 'user:' || users.id
    ORDER BY a.id DESC LIMIT 1
)
WHERE EXISTS (
    SELECT 1 FROM audit_log a WHERE a.action = 'user.merged' AND a.subject = 'user:' || users.id
);
