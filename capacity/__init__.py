"""The capacity domain: the civil-society build-up that Østifterne funds.

- ``models.py``: organisations' volunteer reports, the capacity fund, its
  grants and their payments (tables on ``catalogue.base.Base``);
- ``supply.py``: what existed at any date, read from the store's audit trail
  (event-sourced: a later edit never rewrites the past);
- ``volunteers.py``: time-stamped volunteer and companion counts;
- ``ledger.py``: the grant ledger and what each grant bought.

It sits beside ``indexer`` above ``catalogue`` (import-linter contracts in
``pyproject.toml``): it reads the catalogue, and ``reports`` and ``api`` read it.
"""
