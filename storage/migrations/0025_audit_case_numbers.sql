-- `/audit KNG-2026-000123` of a case deleted since (retention, erasure): its entries are
-- found by the number its `case.submitted` entry kept (the case's id, in their subject).
CREATE INDEX audit_log_case_number ON audit_log (json_extract(detail, '$.number'))
    WHERE action = 'case.submitted';
