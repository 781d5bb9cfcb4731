"""/audit: the audit log for admins, filtered by period, kind of action, actor or case."""
