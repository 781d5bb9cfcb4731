-- Statistics and exports (/statistik, /ekspor, `psm-bot export`) count and list the cases of
-- a scope reported in a period. These covering indexes let SQLite answer the grouped counts
-- from the index alone, reading only the entries of the period (a range), never the table.
-- No rollup table: a case's state keeps changing after it is reported and every writer
-- (review, retention, erasure) would have to keep a rollup in step; an index is exact.
CREATE INDEX cases_stats_kabupaten
    ON cases (kabupaten_code, submitted_at, kecamatan_code, state, reporter_id);
CREATE INDEX cases_stats_kecamatan ON cases (kecamatan_code, submitted_at, state, reporter_id);
CREATE INDEX cases_stats_period ON cases (submitted_at, kecamatan_code, state, reporter_id);
-- Retention: closed cases by when they last changed.
CREATE INDEX cases_closed ON cases (state, updated_at);
