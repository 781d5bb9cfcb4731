"""The kinds of action /audit filters by: each a list of audit actions (GLOB patterns).

Features name their audit actions `<area>.<verb>`; a kind lists the ones it covers, so a
new action shows under "all" at once and under a kind once it is added here.
"""

from __future__ import annotations

KINDS: dict[str, tuple[str, ...]] = {
    "view": ("case.view", "case.shown"),
    "reveal": ("case.revealed",),
    "search": ("case.search", "subject.find"),
    "export": ("case.export", "training.export", "subject.export", "user.exported"),
    "state": (
        "case.submitted",
        "case.resubmitted",
        "case.moved",
        "case.updated",
        "case.verify",
        "case.send_back",
        "case.reject",
        "case.approve",
        "case.follow_up",
        "case.resolve",
        "case.reopen",
    ),
    "role": ("user.role*", "user.phone_changed", "user.merged", "person.*", "case.handed_over"),
    "approval": ("registration.approved", "registration.rejected", "registration.reconsidered"),
    "refused": (
        "review.refused",
        "registration.refused",
        "people.refused",
        "training.refused",
        "training.code_wrong",
        "district.contact_refused",
        "user.link_refused",
    ),
    "data": (
        "subject.correct",
        "subject.erase",
        "retention.purged",
        "draft.expired",
        "audit.key_replaced",
    ),
}
