"""The submission lifecycle: which status may follow which, and who may move it.

Kept apart from the services so that the back office (casework), the resident
pages and the docs read one table. 受付 → 審査 → 決裁 → 完了, with 差戻し
(back to the applicant, who resubmits) and 却下 / 取下げ from any open state::

    draft ─submit→ submitted ─→ accepted(受付) ─→ in_review(審査) ─→ approved(決裁済) ─→ completed(完了)
                      │   ↑          │                 │
                      │   └─ returned(差戻し) ←────────┘   (resubmitting returns to submitted)
                      └──→ rejected(却下) / withdrawn(取下げ) from any open state
"""

from __future__ import annotations

from mado.submissions.models import Status

OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_REVIEW, Status.RETURNED)
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.SUBMITTED: frozenset(
        {Status.ACCEPTED, Status.RETURNED, Status.REJECTED, Status.WITHDRAWN}
    ),
    Status.ACCEPTED: frozenset(
        {Status.IN_REVIEW, Status.RETURNED, Status.REJECTED, Status.WITHDRAWN}
    ),
    Status.IN_REVIEW: frozenset(
        {Status.APPROVED, Status.RETURNED, Status.REJECTED, Status.WITHDRAWN}
    ),
    Status.RETURNED: frozenset({Status.SUBMITTED, Status.REJECTED, Status.WITHDRAWN}),
    Status.APPROVED: frozenset({Status.COMPLETED}),
    Status.COMPLETED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}
# What the applicant may do themselves: resubmit after 差戻し, or withdraw (取下げ).
RESIDENT_TARGETS = frozenset({Status.SUBMITTED, Status.WITHDRAWN})


class TransitionError(ValueError):
    """A status change the lifecycle does not allow (message: 日本語 / English)."""


def label(status: str) -> str:
    """'受付(accepted)' for messages."""
    return f"{Status(status).label}({status})" if status in Status.values else status


def allowed_transitions(status: str, *, by_resident: bool = False) -> list[str]:
    """The statuses a submission in ``status`` may move to (for buttons in the back office)."""
    targets = TRANSITIONS.get(status, frozenset())
    if by_resident:
        targets = targets & RESIDENT_TARGETS
    return [s for s in Status.values if s in targets]
