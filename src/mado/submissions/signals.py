"""Signals of the submission pipeline, for apps that sit above it (casework opens its case here).

Why a signal rather than a call: ``submissions`` is below ``casework`` in the
dependency order (DESIGN §2) and must not import it. Receivers run inside the
submitting transaction, so the submission and what they create commit or
roll back together.
"""

from django.dispatch import Signal

# Sent by submit() and create_submitted() inside their transaction, after the
# audit entry. Arguments: submission (status submitted, with its receipt
# number), resubmitted (True after 差戻し), first (True when the submission
# was created in this very transaction, so receivers need not look for rows
# of their own that cannot exist yet).
submission_submitted = Signal()

# Sent by completion.complete_pending() inside its transaction for submissions
# that were stored first and completed later (the public JSON API): the same
# meaning as submission_submitted(first=True) for each of ``submissions``, so a
# receiver of submission_submitted must also receive this one (casework opens
# the cases with one INSERT).
submissions_submitted_batch = Signal()
