"""The referral lifecycle: from a GP's referral system to the navigator, and how it went.

Pseudonymous by construction (``referrals.privacy``): the referring system
sends its own pseudonym for the citizen, reason codes from a fixed list
(``referrals.vocab``) and later well-being scores as numbers; there is no
field for a name, a CPR number or a diagnosis. ``referrals.service`` holds
the rules (status history, who may see what, the well-being merge); the HTTP
layer (``api.referrals``) only parses, calls it and serialises.
"""
