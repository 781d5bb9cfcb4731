-- Whether a photo file is still shown by a case (`PhotoRepo.unused`, after each photo turn
-- that did not keep its photo, and the daily sweep): found by its path, not a table scan.
CREATE INDEX case_photos_path ON case_photos (path);
