"""People management (/pengguna) for coordinators (their kabupaten) and admins (everyone):
registrations waiting, finding a person, role and region, suspension, handover of work."""
