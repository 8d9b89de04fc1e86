"""The referral vocabularies, codes to Danish labels.

Reason codes are what a GP may give as the reason for a social prescription
(no diagnoses); statuses are the steps of the navigator's work, from
``received`` to ``closed`` or ``declined``. Both lists are the service's own
(agreed with the navigators in Norddjurs), not from an external standard.
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
    "matched": "Tilbud fundet",
    "started": "Borgeren er startet",
    "followed_up": "Fulgt op",
    "closed": "Afsluttet",
    "declined": "Borgeren takkede nej",
}

#: Age bands of a referred citizen (ten-year bands from 25, as Danmarks Statistik
#: publishes ages; 16 is the youngest the matcher serves): never an age or a birth date.
AGE_BANDS: Final[tuple[str, ...]] = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")

#: The status of every new referral.
INITIAL_STATUS: Final = "received"

#: At most this many reason codes per referral, and suggested offers.
MAX_REASONS: Final = 5
MAX_OFFERS: Final = 20


def status_label(status: str) -> str:
    """The Danish label of a status code; raises ``KeyError`` for an unknown code."""
    return STATUSES[status]


__all__ = ["AGE_BANDS", "INITIAL_STATUS", "MAX_OFFERS", "MAX_REASONS", "REASONS", "STATUSES", "status_label"]
