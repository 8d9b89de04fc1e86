"""The referral lifecycle: from a GP's referral system to the navigator, and how it went.

Pseudonymous by construction (``referrals.privacy``): the referring system
sends its own pseudonym for the citizen, reason codes from a fixed list
(``referrals.vocab``) and later well-being scores as numbers; there is no
field for a name, a CPR number or a diagnosis. ``service`` holds intake,
reads and ownership; ``lifecycle`` the transitions, proposals and companions;
``questionnaires`` the well-being instruments; ``outcomes`` the outcome report;
``export`` the research export; ``retention`` the purge; ``fhir`` HL7 FHIR R4
in and out. The HTTP layer (``api.referrals`` and its siblings) only parses,
calls and serialises.
"""
