"""People management (/pengguna): lists, a person's page, changes and handovers.

Scope is enforced here: coordinators reach the people of their kabupaten, admins everyone
(`Scope.kabupaten_code` / `Scope.everything`; any other scope reaches nobody). Every change
is conditional on the person's `version` (the one the presser saw), so two coordinators
acting on the same person at once cannot both win. `PeopleRepo`'s parts:

  people_queries.py  reads: the lists, a person, their workload, who could take it over
  people_changes.py  changes: a person, a registration decided, a handover, a suspension's
                     sessions and messages, the rejected forgotten
"""

from __future__ import annotations

from storage.people_changes import PeopleChanges
from storage.people_queries import PeopleQueries


class PeopleRepo(PeopleQueries, PeopleChanges):
    """Queries and changes of people management, always within a scope."""
