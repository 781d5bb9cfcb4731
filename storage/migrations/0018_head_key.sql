-- The head of household's person key (storage.person_names.person_key: case, punctuation and
-- the spellings of Muhammad ignored), stored beside the name like household_members.name_key
-- and written with it, so /cari by a name compares stored keys instead of calling Python for
-- every household. SQL cannot compute the key: the households already here get theirs from
-- the runner, in this migration's transaction (storage.migrate.FILLS).
ALTER TABLE households ADD COLUMN head_key TEXT;
-- /cari looks for the key anywhere in the name (LIKE '%key%'), which no index can seek; this
-- one holds just the key and the row id, so the search scans it instead of the wider table
-- (half the time at 900,000 households).
CREATE INDEX households_head_key ON households (head_key);
