"""Reports across domains: demand and gaps (match log, referrals, supply) and the
capacity report people read (HTML with charts, CSV).

It sits between ``api`` and ``matcher | referrals`` (import-linter contracts in
``pyproject.toml``): it reads the match log, the referrals and the capacity
domain, and only ``api`` reads it.
"""
