"""Review and follow-up of cases: TKSK verification, coordinator validation, the round-trip
to the reporter, finding cases."""
