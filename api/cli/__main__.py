"""``python -m api.cli``: the ``faellesskab`` command without installing the project."""

from api.cli import main

main()
