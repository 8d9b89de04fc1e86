"""The referral vocabularies, codes to Danish labels, and the lifecycle's transitions.

Reason codes are what a GP may give as the reason for a social prescription
(no diagnoses); statuses are the steps of the navigator's work, from
``received`` to ``closed`` (with a close reason). The lists are the service's
own (agreed with the navigators in Norddjurs), not from an external standard;
``TASK_STATUS`` maps them to HL7 FHIR R4 ``Task.status``.
"""

from __future__ import annotations

from typing import Final

REASONS: Final[dict[str, str]] = {
    "loneliness": "Ensomhed",
    "low_mood": "Nedtrykthed",
    "anxiety": "Angst eller uro",
    "stress": "Stress",
    "bereavement": "Sorg efter tab",
    "inactivity": "Fysisk inaktivitet",
    "chronic_condition": "Lever med kronisk sygdom",
    "life_change": "Stor forandring i livet",
    "other": "Andet",
}

STATUSES: Final[dict[str, str]] = {
    "received": "Modtaget",
    "contacted": "Borgeren er kontaktet",
    "could_not_contact": "Borgeren kunne ikke kontaktes",
    "assessed": "Interesser og barrierer afklaret",
    "matched": "Tilbud foreslået",
    "started": "Borgeren er startet",
    "following_up": "Opfølgning",
    "closed": "Afsluttet",
}

#: Why a referral was closed.
CLOSE_REASONS: Final[dict[str, str]] = {
    "completed": "Forløbet er gennemført",
    "no_longer_interested": "Borgeren ønsker ikke længere hjælp",
    "referred_elsewhere": "Henvist til andet tilbud",
    "no_capacity": "Ingen ledig plads",
    "could_not_get_help": "Borgeren kunne ikke få hjælp",
}

#: The lifecycle: from each status, the statuses it may move to. ``started``
#: may repeat (one event per offer the citizen starts), and every open referral may be closed.
TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "received": ("contacted", "could_not_contact", "closed"),
    "could_not_contact": ("contacted", "closed"),
    "contacted": ("assessed", "closed"),
    "assessed": ("matched", "closed"),
    "matched": ("started", "closed"),
    "started": ("started", "following_up", "closed"),
    "following_up": ("started", "closed"),
    "closed": (),
}

#: A companion (ledsager/brobygger) request's states, and where each may go.
COMPANION_STATES: Final[dict[str, str]] = {
    "requested": "Ledsager efterspurgt",
    "found": "Ledsager fundet",
    "went_along": "Ledsageren gik med",
    "cancelled": "Aflyst",
}
COMPANION_TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "requested": ("found", "cancelled"),
    "found": ("went_along", "cancelled"),
    "went_along": (),
    "cancelled": (),
}

#: HL7 FHIR R4 ``Task.status`` of each status; a closed referral is ``completed``
#: when its reason is ``completed``, else per :data:`CLOSED_TASK_STATUS`.
TASK_STATUS: Final[dict[str, str]] = {
    "received": "requested",
    "contacted": "accepted",
    "could_not_contact": "accepted",
    "assessed": "accepted",
    "matched": "in-progress",
    "started": "in-progress",
    "following_up": "in-progress",
}
CLOSED_TASK_STATUS: Final[dict[str, str]] = {
    "completed": "completed",
    "no_longer_interested": "cancelled",
    "referred_elsewhere": "cancelled",
    "no_capacity": "failed",
    "could_not_get_help": "failed",
}

#: Age bands of a referred citizen (ten-year bands from 25, as Danmarks Statistik
#: publishes ages; 16 is the youngest the matcher serves): never an age or a birth date.
AGE_BANDS: Final[tuple[str, ...]] = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")

#: The status of every new referral.
INITIAL_STATUS: Final = "received"

#: At most this many reason codes per referral, proposed offers, interest and barrier codes.
MAX_REASONS: Final = 5
MAX_OFFERS: Final = 20
MAX_CODES: Final = 20


def status_label(status: str) -> str:
    """The Danish label of a status code; raises ``KeyError`` for an unknown code."""
    return STATUSES[status]


def task_status(status: str, close_reason: str | None) -> str:
    """The FHIR ``Task.status`` of a referral's ``status`` (and ``close_reason`` when closed)."""
    if status == "closed":
        return CLOSED_TASK_STATUS.get(close_reason or "", "cancelled")
    return TASK_STATUS[status]


__all__ = [
    "AGE_BANDS",
    "CLOSED_TASK_STATUS",
    "CLOSE_REASONS",
    "COMPANION_STATES",
    "COMPANION_TRANSITIONS",
    "INITIAL_STATUS",
    "MAX_CODES",
    "MAX_OFFERS",
    "MAX_REASONS",
    "REASONS",
    "STATUSES",
    "TASK_STATUS",
    "TRANSITIONS",
    "status_label",
    "task_status",
]
