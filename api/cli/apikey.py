"""``faellesskab apikey``: API keys — create, list, revoke."""

from __future__ import annotations

import click

from ..extensions import get_store
from .common import cli_actor, uses_store


@click.group()
def apikey() -> None:
    """API keys: create, list, revoke."""


@apikey.command("create")
@click.option("--role", required=True, type=click.Choice(["navigator", "volunteer_centre", "referral_system", "admin"]))
@click.option("--name", required=True, help="Who or what uses the key, e.g. 'grenaa-navigator-1'.")
@uses_store
def apikey_create(role: str, name: str) -> None:
    """Create a key. It is printed once; only its hash is stored."""
    from ..auth import create_key

    try:
        key = create_key(get_store(), name=name, role=role, created_by=cli_actor())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(key)
    click.echo(f"Key '{name}' ({role}) created. Store it now: it cannot be shown again.", err=True)


@apikey.command("list")
@uses_store
def apikey_list() -> None:
    """List keys (names, roles, prefixes; never the keys)."""
    from ..auth import list_keys

    for k in list_keys(get_store()):
        state = f"revoked {k['revoked_at']:%Y-%m-%d}" if k["revoked_at"] else "active"
        used = f"last used {k['last_used_at']:%Y-%m-%d %H:%M}" if k["last_used_at"] else "never used"
        click.echo(f"{k['name']:<30} {k['role']:<17} fm_{k['prefix']}…  {state}, {used}")


@apikey.command("revoke")
@click.argument("name")
@uses_store
def apikey_revoke(name: str) -> None:
    """Revoke a key by name; it stops working at once."""
    from ..auth import revoke_key

    if not revoke_key(get_store(), name):
        raise click.ClickException(f"No active key named {name!r}.")
    click.echo(f"Key '{name}' revoked.")
