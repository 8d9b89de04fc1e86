"""Create and edit offers and organisations on the volunteer centre's pages, with edit conflicts.

The edit form carries the version it was read at and, in hidden ``orig.*`` fields, the values it
started from. When someone else saved first (the store's :class:`VersionConflict`), nothing is
written: the page shows, per field group, both versions side by side where both changed the same
group differently and lets the coordinator choose; groups only one side changed are merged
(mine where I changed, theirs elsewhere) and shown for a last check. Nothing is overwritten silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, redirect, request, url_for
from werkzeug.wrappers import Response

from catalogue import taxonomy
from catalogue.audience import CONDITION_PREFIX, AudienceVocabulary
from catalogue.errors import InvalidRecord, NotFound, VersionConflict

from .common import reindex
from .extensions import get_store
from .volunteer import bp, current_caller, form_version, render
from .volunteer_forms import (
    COST_ROWS,
    FIELD_LABELS,
    GROUP_LABELS,
    OFFER_GROUPS,
    ORG_GROUPS,
    Form,
    changed_groups,
    changes,
    errors_da,
    full_record,
    merge_choice,
    offer_to_form,
    organisation_to_form,
    read_form,
    show_group,
    without_cpr,
)
from .web import page_for


@dataclass(frozen=True)
class Kind:
    """What differs between editing an offer and an organisation."""

    name: str  # "offer" | "organisation"
    groups: Mapping[str, tuple[str, ...]]
    to_form: Callable[[Mapping[str, Any]], Form]
    template: str
    view: str  # the endpoint showing one record


OFFER = Kind("offer", OFFER_GROUPS, offer_to_form, "offer_form.html", "volunteer.offer")
ORGANISATION = Kind(
    "organisation", ORG_GROUPS, organisation_to_form, "organisation_form.html", "volunteer.organisation"
)

_BLANK_OFFER: dict[str, Any] = {
    "title": "",
    "kind": "activity",
    "status": "active",
    "schedule": None,
    "languages": ["da"],
    "categories": [],
}


def _conditions(audiences: AudienceVocabulary) -> dict[str, str]:
    """``{"condition:<code>": Danish label}``: the target groups "people with <a condition>"."""
    return {CONDITION_PREFIX + code: term.label for code, term in audiences.conditions.items()}


def _value_labels() -> dict[str, dict[str, str]]:
    """Danish labels of the list fields' codes, for the conflict view."""
    store = get_store()
    return {
        "audience": store.audiences().labels(),
        "categories": store.categories(),
        "accessibility": dict(taxonomy.ACCESSIBILITY),
    }


def _get(kind: Kind, record_id: str) -> dict[str, Any]:
    store = get_store()
    try:
        return dict(store.get_offer(record_id) if kind.name == "offer" else store.get_organisation(record_id))
    except NotFound:
        abort(404, description="Tilbuddet findes ikke." if kind.name == "offer" else "Foreningen findes ikke.")


def _form_page(kind: Kind, status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("errors", {})
    context["form"] = without_cpr(context["form"], context["errors"])
    context.setdefault("conflicts", [])
    store = get_store()
    orgs, _ = store.list_organisations()
    audiences = store.audiences()
    return render(
        kind.template,
        status,
        groups=kind.groups,
        labels=FIELD_LABELS,
        group_labels=GROUP_LABELS,
        cost_rows=range(COST_ROWS),
        periods=taxonomy.COST_PERIODS,
        accessibility=taxonomy.ACCESSIBILITY,
        group_sizes=taxonomy.GROUP_SIZES,
        org_types=taxonomy.ORGANISATION_TYPES,
        audience_groups={code: term.label for code, term in audiences.groups.items()},
        audience_conditions=_conditions(audiences),
        orgs_by_id={o["id"]: o["name"] for o in sorted(orgs, key=lambda o: o["name"].casefold())},
        **context,
    )


# -- create -----------------------------------------------------------------------------


@bp.route("/tilbud/ny", methods=["GET", "POST"])
@page_for("volunteer_centre")
def new_offer() -> Response | tuple[str, int]:
    caller = current_caller()
    form = offer_to_form({**_BLANK_OFFER, "organisation": {}})
    organisation_id = request.args.get("forening", "")
    if request.method == "GET":
        return _form_page(OFFER, form=form, orig=form, record=None, organisation_id=organisation_id)
    form = read_form(request.form, OFFER_GROUPS)
    organisation_id = request.form.get("organisation", "")
    data = full_record(form, OFFER_GROUPS)
    errors: dict[str, list[str]] = {}
    store = get_store()
    try:
        org = store.get_organisation(organisation_id)
    except NotFound:
        errors["organisation"] = ["Vælg foreningen bag tilbuddet."]
    else:
        data["organisation"] = {"id": org["id"], "name": org["name"]}
    if not errors:
        try:
            offer = store.create_offer(data, actor=caller.actor)
        except InvalidRecord as exc:
            errors = errors_da(exc.errors, form)
        else:
            reindex([offer["id"]])
            return redirect(url_for("volunteer.offer", offer_id=offer["id"], ok="gemt"))
    return _form_page(OFFER, 422, form=form, orig=form, record=None, errors=errors, organisation_id=organisation_id)


@bp.route("/foreninger/ny", methods=["GET", "POST"])
@page_for("volunteer_centre")
def new_organisation() -> Response | tuple[str, int]:
    caller = current_caller()
    form = organisation_to_form({"name": "", "type": "association"})
    if request.method == "GET":
        return _form_page(ORGANISATION, form=form, orig=form, record=None)
    form = read_form(request.form, ORG_GROUPS)
    try:
        org = get_store().create_organisation(full_record(form, ORG_GROUPS), actor=caller.actor)
    except InvalidRecord as exc:
        return _form_page(ORGANISATION, 422, form=form, orig=form, record=None, errors=errors_da(exc.errors, form))
    return redirect(url_for("volunteer.organisation", org_id=org["id"], ok="gemt"))


# -- edit -------------------------------------------------------------------------------


@bp.route("/tilbud/<offer_id>/ret", methods=["GET", "POST"])
@page_for("volunteer_centre")
def edit_offer(offer_id: str) -> Response | tuple[str, int]:
    return _edit(OFFER, offer_id)


@bp.route("/foreninger/<org_id>/ret", methods=["GET", "POST"])
@page_for("volunteer_centre")
def edit_organisation(org_id: str) -> Response | tuple[str, int]:
    return _edit(ORGANISATION, org_id)


def _edit(kind: Kind, record_id: str) -> Response | tuple[str, int]:
    caller = current_caller()
    current = _get(kind, record_id)
    if request.method == "GET":
        form = kind.to_form(current)
        return _form_page(kind, form=form, orig=form, record=current, version=current["version"])
    base = read_form(request.form, kind.groups, prefix="orig.")
    choices = {g: request.form.get(f"choose.{g}", "") for g in kind.groups}
    mine = merge_choice(read_form(request.form, kind.groups), base, choices, kind.groups)
    version = form_version()
    if version != current["version"]:
        return _conflict(kind, current, mine, base)
    update = changes(mine, kind.to_form(current), kind.groups)
    if not update:
        return redirect(_view_url(kind, record_id))
    store = get_store()
    try:
        if kind.name == "offer":
            store.update_offer(record_id, update, expected_version=version, actor=caller.actor)
            reindex([record_id])
        else:
            store.update_organisation(record_id, update, expected_version=version, actor=caller.actor)
            offers, _ = store.list_offers(organisation_id=record_id)
            reindex(o["id"] for o in offers)
    except VersionConflict:  # saved in between our read and our write
        return _conflict(kind, _get(kind, record_id), mine, base)
    except InvalidRecord as exc:
        return _form_page(
            kind, 422, form=mine, orig=base, record=current, version=version, errors=errors_da(exc.errors, mine)
        )
    return redirect(_view_url(kind, record_id))


def _view_url(kind: Kind, record_id: str) -> str:
    if kind.name == "offer":
        return url_for(kind.view, ok="gemt", offer_id=record_id)
    return url_for(kind.view, ok="gemt", org_id=record_id)


def _conflict(kind: Kind, current: Mapping[str, Any], mine: Form, base: Form) -> tuple[str, int]:
    """409: the newer version beside mine. The proposal takes my changed groups over theirs;
    a group both changed differently is a choice (mine is preselected, both are shown)."""
    theirs = kind.to_form(current)
    my_groups = changed_groups(mine, base, kind.groups)
    their_groups = set(changed_groups(theirs, base, kind.groups))
    proposal = dict(theirs)
    for group in my_groups:
        proposal.update({n: mine[n] for n in kind.groups[group]})
    both = [g for g in my_groups if g in their_groups and changed_groups(mine, theirs, {g: kind.groups[g]})]
    names = _value_labels()
    rows = [
        {
            "group": g,
            "label": GROUP_LABELS.get(g, g),
            "mine": show_group(g, mine, kind.groups, names),
            "theirs": show_group(g, theirs, kind.groups, names),
        }
        for g in both
    ]
    merged = [GROUP_LABELS.get(g, g) for g in kind.groups if g in their_groups and g not in both]
    return _form_page(
        kind,
        409,
        form=proposal,
        orig=theirs,
        record=current,
        version=current["version"],
        conflicts=rows,
        their_changes=merged,
        their_author=current.get("updated_by", ""),
    )
