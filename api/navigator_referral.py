"""An open referral worked from the navigator's search page: propose the offers found, move its status.

``/navigator/?henvisning=<id>`` opens a referral on the search page (a
choice of the open ones the navigator may see is offered when none is open).
The page shows its id, external reference and status in Danish (no personal
data), the offers proposed so far, and a form with the moves the lifecycle
allows from its status (:func:`referrals.lifecycle.allowed_moves`), with
what each needs (a close reason, the offer started and when, interests and
barriers). The search keeps the referral in its address, and each result can
be ticked to propose it.

- ``POST /navigator/henvisning/<id>/forslag``: the ticked results become the
  referral's proposals (status ``matched``), with the search's ``query_id``,
  each result's rank in the result list (1 = first) and score.
- ``POST /navigator/henvisning/<id>/status``: one move of the lifecycle.

Both go through :func:`referrals.lifecycle.move` with the version the form
was read at: when someone else moved the referral first, nothing is written
(409) and the page shows where it stands now. A move the lifecycle does not
allow is shown in Danish next to the field (409), bad input per field (422);
success redirects (303) to the page with a Danish confirmation. Who may do
this is the API's rule (``POST /api/v1/referrals/<id>/transitions``:
navigators and admins); what a caller may see is ``referrals.service``'s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from babel.dates import format_date
from flask import current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from catalogue.errors import InvalidRecord, NotFound, VersionConflict
from matcher.request import BARRIERS
from referrals import lifecycle, service
from referrals.models import Referral
from referrals.vocab import CLOSE_REASONS, MAX_OFFERS, STATUSES, status_label

from .extensions import get_store
from .navigator import bp, render_search
from .referrals import requester
from .web import page_for, signed_in, whole_number

#: How many open referrals the choice lists (newest first); the rest are opened by their address.
CHOICES: Final = 100
#: At most this many results are carried in the proposal form (the match gives at most 50).
MAX_RESULTS: Final = 100
#: Confirmations after a redirect (``?ok=``).
CONFIRMATIONS: Final[dict[str, str]] = {
    "forslag": "Forslagene er knyttet til henvisningen.",
    "status": "Status er gemt.",
}
NOT_FOUND_DA: Final = "Henvisningen findes ikke, eller du har ikke adgang til den."
CONFLICT_DA: Final = (
    "Nogen har ændret henvisningen, siden du åbnede siden. Intet er gemt. "
    "Se den nuværende status herunder og vælg igen."
)
#: The lifecycle's messages (``referrals.lifecycle``), by how they begin, in Danish.
_LIFECYCLE_DA: Final[tuple[tuple[str, str], ...]] = (
    ("Give the reason for closing", "Vælg, hvorfor henvisningen afsluttes."),
    ("Only a referral being closed", "Kun en henvisning, der afsluttes, har en årsag."),
    ("Give at least one interest", "Vælg mindst én interesse."),
    ("Unknown category code", "Ukendt interesse: vælg blandt dem på listen."),
    ("At most", "Der er valgt for mange."),
    ("Propose at least one offer", "Sæt flueben ved mindst ét tilbud at foreslå."),
    ("Each offer once", "Hvert tilbud kun én gang."),
    ("Unknown offer", "Et af tilbuddene findes ikke længere. Søg igen."),
    ("A rank is 1 or more", "Forslagene skal komme fra søgningen. Søg igen."),
    ("Give one of the offers proposed", "Vælg et af de tilbud, der er foreslået borgeren."),
    ("The date is in the future", "Datoen ligger i fremtiden."),
    ("Before the referral was received", "Datoen er før henvisningen blev modtaget."),
)
_DATE_FORMATS: Final = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")


@dataclass(frozen=True)
class Proposed:
    """An offer proposed to the referral: its rank in the match, title (``None`` once it is gone), start date."""

    offer_id: str
    rank: int
    title: str | None
    started_on: date | None


@dataclass(frozen=True)
class Candidate:
    """A search result that can be proposed: its ``rank`` in the result list, id, title and score."""

    rank: int
    offer_id: str
    title: str
    score: float


@dataclass
class Workspace:
    """What the search page shows about the referral worked on.

    ``referral`` is None when none is open (``missing`` when the one asked for does not exist or may
    not be seen); ``choices`` are the open referrals to pick from; ``moves`` the lifecycle's moves from
    its status as ``(code, Danish label)``; ``move_form``/``errors`` what was sent and what is wrong,
    per field; ``candidates`` the results that can be proposed (from the search, or the form sent),
    ``picked`` those ticked, ``query_id`` the match they come from; ``propose_from`` the statuses (in
    Danish) from which the lifecycle allows proposing."""

    referral: Referral | None = None
    missing: bool = False
    choices: list[Referral] = field(default_factory=list)
    total_open: int = 0
    moves: list[tuple[str, str]] = field(default_factory=list)
    proposed: list[Proposed] = field(default_factory=list)
    categories: dict[str, str] = field(default_factory=dict)
    move_form: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    picked: list[str] = field(default_factory=list)
    query_id: str = ""
    propose_from: list[str] = field(default_factory=list)
    close_reasons: Mapping[str, str] = field(default_factory=lambda: dict(CLOSE_REASONS))

    @staticmethod
    def date_da(value: date | datetime | None) -> str:
        """A date as Danish readers write it ("28. november 2026"); "–" for none (Babel, CLDR)."""
        if value is None:
            return "–"
        return format_date(value.date() if isinstance(value, datetime) else value, "d. MMMM y", locale="da")

    @property
    def status_moves(self) -> list[tuple[str, str]]:
        """The moves the status form offers: all but ``matched``, which needs the search's results
        and is made by the proposal form."""
        return [(code, label) for code, label in self.moves if code != "matched"]

    @property
    def may_propose(self) -> bool:
        """The lifecycle allows proposing offers (moving to ``matched``) from the current status."""
        return any(code == "matched" for code, _ in self.moves)


def workspace(
    referral_id: str | None,
    *,
    response: Any = None,
    form: Mapping[str, Any] | None = None,
    move_form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    candidates: Sequence[Candidate] = (),
    picked: Sequence[str] = (),
    query_id: str = "",
) -> Workspace:
    """The workspace for ``referral_id`` (``""``: none open) as the signed-in navigator may see it.

    ``response`` is the search's match result (its results become the candidates, its categories and
    the ``form``'s barriers the suggested assessment); the other arguments re-show a form that was sent."""
    who = requester()
    work = Workspace(errors=dict(errors or {}), notice=CONFIRMATIONS.get(request.args.get("ok", "")))
    store = get_store()
    referral_id = (referral_id or "").strip()
    with store.read() as session:
        if not referral_id:
            work.choices, work.total_open = service.open_page(session, who, page=1, per_page=CHOICES)
            return work
        try:
            if len(referral_id) > 36:
                raise NotFound("referral", referral_id[:36])
            work.referral = service.get(session, referral_id, who)
            proposals = lifecycle.proposals(session, referral_id, who)
        except NotFound:
            work.missing, work.notice = True, None
            work.choices, work.total_open = service.open_page(session, who, page=1, per_page=CHOICES)
            return work
    titles = {k: str(v.get("title") or "") for k, v in store.get_offers([p.offer_id for p in proposals]).items()}
    work.proposed = [Proposed(p.offer_id, p.rank, titles.get(p.offer_id), p.started_on) for p in proposals]
    work.moves = [(code, status_label(code)) for code in lifecycle.allowed_moves(work.referral.status)]
    work.propose_from = [status_label(s) for s in STATUSES if "matched" in lifecycle.allowed_moves(s)]
    work.categories = store.categories()
    if response is not None:
        work.candidates = [
            Candidate(rank, r.offer_id, r.title, r.score) for rank, r in enumerate(response.results, start=1)
        ]
        work.query_id = str(response.query_id)
    else:
        work.candidates, work.picked, work.query_id = list(candidates), list(picked), query_id
    work.move_form = dict(move_form) if move_form is not None else _starting_move_form(work, response, form)
    return work


def _starting_move_form(work: Workspace, response: Any, form: Mapping[str, Any] | None) -> dict[str, Any]:
    """The move form before anything is sent: the referral's interests and barriers, else the search's."""
    row = work.referral
    assert row is not None
    interests = list(row.interests or []) or [
        c for c in getattr(response, "inferred_categories", None) or [] if c in work.categories
    ]
    barriers = list(row.barriers or []) or list((form or {}).get("barriers") or [])
    return {"to": "", "on": date.today().isoformat(), "interests": interests, "barriers": barriers}


@bp.post("/henvisning/<referral_id>/forslag")
@page_for("navigator")
def propose(referral_id: str) -> Response:
    """Propose the ticked results (``propose``, repeated) to the referral: the form carries the
    search's ``query_id`` and every result in order (``result`` and ``score``, repeated), so each
    proposal keeps its rank in the result list. Moves the referral to ``matched``."""
    _throttle()
    candidates = _candidates(request.form.getlist("result"), request.form.getlist("score"))
    picked = list(dict.fromkeys(p for p in request.form.getlist("propose") if p))
    query_id = request.form.get("query_id", "").strip()[:36]
    again = {"candidates": candidates, "picked": picked, "query_id": query_id}
    by_id = {c.offer_id: c for c in candidates}
    version = _version()
    if version is None:
        return _stale(referral_id, "propose", **again)
    if not picked:
        return _again(referral_id, 422, {"propose": "Sæt flueben ved mindst ét tilbud at foreslå."}, **again)
    if len(picked) > MAX_OFFERS:
        return _again(referral_id, 422, {"propose": f"Højst {MAX_OFFERS} tilbud ad gangen."}, **again)
    if any(p not in by_id for p in picked) or not query_id:
        return _again(referral_id, 422, {"propose": "Vælg blandt søgningens forslag. Søg igen."}, **again)
    step = lifecycle.Step(
        to="matched",
        query_id=query_id,
        proposals=[lifecycle.Proposal(p, by_id[p].rank, by_id[p].score) for p in picked],
    )
    return _move(referral_id, version, step, "forslag", "propose", again)


@bp.post("/henvisning/<referral_id>/status")
@page_for("navigator")
def move_status(referral_id: str) -> Response:
    """One move of the lifecycle: ``to`` a status, with ``close_reason`` (closed), ``offer_id`` and
    ``on`` (started: a proposed offer, the date), or ``interests`` and ``barriers`` (assessed)."""
    _throttle()
    to, close_reason, offer_id, on_text = (
        request.form.get(k, "").strip() for k in ("to", "close_reason", "offer_id", "on")
    )
    interests, barriers = request.form.getlist("interests"), request.form.getlist("barriers")
    sent: dict[str, Any] = {
        "to": to,
        "close_reason": close_reason,
        "offer_id": offer_id,
        "on": on_text,
        "interests": interests,
        "barriers": barriers,
    }
    version = _version()
    if version is None:
        return _stale(referral_id, "to")
    errors: dict[str, str] = {}
    if to not in STATUSES:
        errors["to"] = "Vælg den nye status."
    on: date | None = None
    if to == "started" and on_text:
        on = _parse_date(on_text)
        if on is None:
            errors["on"] = "Skriv datoen som dd-mm-åååå."
    if to == "assessed" and any(b not in BARRIERS for b in barriers):
        errors["barriers"] = "Vælg barriererne på listen."
    if errors:
        return _again(referral_id, 422, errors, move_form=sent)
    step = lifecycle.Step(
        to=to,
        close_reason=(close_reason or None) if to == "closed" else None,
        interests=interests if to == "assessed" else (),
        barriers=barriers if to == "assessed" else (),
        offer_id=(offer_id or None) if to == "started" else None,
        on=on,
    )
    return _move(referral_id, version, step, "status", "to", {"move_form": sent})


def _move(
    referral_id: str, version: int, step: lifecycle.Step, ok: str, field_name: str, again: dict[str, Any]
) -> Response:
    """Run ``step`` through the lifecycle; the page again with the error, or a redirect confirming it."""
    try:
        lifecycle.move(get_store(), referral_id, requester(), version, step)
    except NotFound:
        return _again(referral_id, 404, {})
    except VersionConflict:
        again.pop("move_form", None)  # chosen for a status it no longer has: choose again
        return _again(referral_id, 409, {field_name: CONFLICT_DA}, **again)
    except lifecycle.InvalidTransition as exc:
        return _again(referral_id, 409, {field_name: transition_da(exc)}, **again)
    except InvalidRecord as exc:
        return _again(referral_id, 422, record_errors_da(exc.errors, field_name), **again)
    return redirect(url_for("navigator.search", henvisning=referral_id, ok=ok, _anchor="henvisning"), 303)


def _again(referral_id: str, status: int, errors: dict[str, str], **again: Any) -> Response:
    """The search page again with the referral read afresh, what was sent, and the errors."""
    work = workspace(referral_id, errors=errors, **again)
    if work.missing:
        status = 404
    return render_search(status, work=work)


def _stale(referral_id: str, field_name: str, **again: Any) -> Response:
    return _again(referral_id, 409, {field_name: CONFLICT_DA}, **again)


def _throttle() -> None:
    caller = signed_in()
    assert caller is not None  # page_for saw to it
    current_app.extensions["throttle"].hit(caller.name, "write")


def _version() -> int | None:
    """The referral version the form was read at (hidden field ``version``), or None when unreadable."""
    return whole_number(request.form.get("version", ""), max_digits=9)


def _candidates(ids: Sequence[str], scores: Sequence[str]) -> list[Candidate]:
    """The results the form carried, in order (rank = position from 1), titles read anew from the
    catalogue; an entry with a malformed score, an overlong or repeated id, or a gone offer is dropped."""
    pairs: list[tuple[int, str, float]] = []
    for rank, (offer_id, text) in enumerate(zip(ids[:MAX_RESULTS], scores, strict=False), start=1):
        try:
            score = float(text)
        except ValueError:
            continue
        if offer_id and len(offer_id) <= 64 and math.isfinite(score) and abs(score) <= 1e6:
            pairs.append((rank, offer_id, score))
    offers = get_store().get_offers([i for _, i, _ in pairs])
    seen: set[str] = set()
    out: list[Candidate] = []
    for rank, offer_id, score in pairs:
        if offer_id in offers and offer_id not in seen:
            seen.add(offer_id)
            out.append(Candidate(rank, offer_id, str(offers[offer_id].get("title") or offer_id), score))
    return out


def _parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def transition_da(exc: lifecycle.InvalidTransition) -> str:
    """The lifecycle's refusal of a move, in Danish, with the moves it does allow."""
    current, wanted = STATUSES.get(exc.current, exc.current), STATUSES.get(exc.wanted, exc.wanted)
    text = f"Henvisningen kan ikke gå fra »{current}« til »{wanted}«."
    if exc.allowed:
        return f"{text} Mulige nu: {', '.join(STATUSES.get(a, a) for a in exc.allowed)}."
    return f"{text} Den er afsluttet."


def record_errors_da(errors: Mapping[str, Sequence[str]], fallback: str) -> dict[str, str]:
    """The lifecycle's per-field errors in Danish, keyed by the form field (``proposals`` → ``fallback``)."""
    out: dict[str, str] = {}
    for key, messages in errors.items():
        name = key.split(".")[0]
        name = fallback if name == "proposals" else name
        text = " ".join(_message_da(m) for m in messages)
        out[name] = f"{out[name]} {text}" if name in out else text
    return out


def _message_da(message: str) -> str:
    for start, danish in _LIFECYCLE_DA:
        if message.startswith(start):
            return danish
    return "Ret dette felt."


__all__ = ["Candidate", "Proposed", "Workspace", "move_status", "propose", "record_errors_da", "workspace"]
