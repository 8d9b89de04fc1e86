"""HL7 FHIR R4 for referral systems: the intake as a ``ServiceRequest`` with its
``Consent`` plus a ``Task``, and the status out as ``Task.status``.

The pattern is HL7's SDOH Clinical Care guide for community referrals
(``SDOHCC-TaskForReferralManagement``): a ``Task`` (``intent`` ``order``,
``code`` ``fulfill``, ``status`` ``requested``) whose ``focus`` is the
``ServiceRequest`` (``status`` ``active``, ``intent`` ``order``) and whose
``for`` is the citizen; the ``ServiceRequest``'s ``supportingInfo`` points at
the ``Consent`` (``status`` ``active``, ``provision.type`` ``permit``). The
three come in one ``transaction`` Bundle. Resources are validated with
``fhir.resources`` (its R4B models: ServiceRequest, Consent and Task are
unchanged from R4 4.0.1), then checked for what this service needs.

No patient identifiers are stored: the citizen is referenced only by the
referring system's pseudonym (``subject.identifier``); a Patient resource, a
``reference`` to one, an identifier in the CPR system, names and free text
at any depth (``note``, ``patientInstruction``, ``text``, ``description``,
``comment``, ``name``, ``contained`` resources, a Reference's ``display``, an
unknown extension's ``valueString``) are refused, as is a CPR number anywhere (:mod:`catalogue.privacy`). Errors are
``InvalidRecord`` with FHIR paths (``entry.0.resource.status``); the HTTP
layer answers them in its one error envelope (422).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Final

import pydantic
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.task import Task

from catalogue.errors import InvalidRecord
from catalogue.privacy import CPR_MESSAGE, cpr_paths

from .models import Referral
from .privacy import PSEUDONYM_MESSAGE, is_pseudonym
from .vocab import AGE_BANDS, CLOSE_REASONS, REASONS, STATUSES, task_status

log = logging.getLogger("faellesskab.referrals")

BASE: Final = "https://faellesskabsmatch.norddjurs.dk/fhir"
REASON_SYSTEM: Final = f"{BASE}/CodeSystem/referral-reason"
STATUS_SYSTEM: Final = f"{BASE}/CodeSystem/referral-status"
CLOSE_REASON_SYSTEM: Final = f"{BASE}/CodeSystem/close-reason"
AGE_BAND_URL: Final = f"{BASE}/StructureDefinition/age-band"
POSTCODE_URL: Final = f"{BASE}/StructureDefinition/postcode"
TASK_CODE_SYSTEM: Final = "http://hl7.org/fhir/CodeSystem/task-code"
#: The Danish CPR register's OID: an identifier in this system is a CPR number.
CPR_SYSTEMS: Final = frozenset({"urn:oid:1.2.208.176.1.2", "http://cpr.dk", "https://cpr.dk"})
FREE_TEXT: Final = ("text", "note", "patientInstruction", "description")
#: Keys refused at any depth of a resource: free text, names, and resources carried inside.
_FREE_TEXT_KEYS: Final = frozenset({*FREE_TEXT, "comment", "contained", "name", "valueMarkdown"})


def _is_free_text(key: str, node: dict[str, Any]) -> bool:
    if key == "display":  # a Coding's label is allowed; a Reference's display names someone
        return "code" not in node or "reference" in node or "identifier" in node
    if key == "valueString":
        return node.get("url") != POSTCODE_URL
    return key in _FREE_TEXT_KEYS


def _free_text_paths(node: Any, path: str) -> Iterator[str]:
    """The paths of free text and names anywhere in a resource (raw JSON): the
    keys of :data:`_FREE_TEXT_KEYS`, a ``display`` that is not a Coding's label (a
    Reference's display names a person), and an extension's ``valueString``
    other than the postcode's."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if _is_free_text(key, node):
                yield where
            else:
                yield from _free_text_paths(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _free_text_paths(value, f"{path}.{i}")


CONTENT_TYPE: Final = "application/fhir+json"


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "_schema"


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        log.warning("Refused a FHIR referral: %s (values not logged).", ", ".join(sorted(errors)))
        raise InvalidRecord(errors)


def parse_intake(data: Any) -> dict[str, Any]:
    """The fields of ``service.receive`` from a transaction Bundle (a parsed JSON object):
    ``citizen_ref, external_ref, gp_practice, received, age_band, postcode, reasons``.
    Raises ``InvalidRecord`` ({FHIR path: [messages]}) for anything refused."""
    if not isinstance(data, dict):
        _refuse({"_schema": ["Send a FHIR Bundle as a JSON object."]})
    _refuse({(p or "_schema"): [CPR_MESSAGE] for p in cpr_paths(data)})
    if data.get("resourceType") != "Bundle":
        _refuse({"resourceType": ["Send a Bundle of type transaction (ServiceRequest, Consent, Task)."]})
    try:
        bundle = Bundle.model_validate(data)
    except pydantic.ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            errors.setdefault(_path(error["loc"]), []).append(error["msg"])
        _refuse(errors)
    if bundle.type != "transaction":
        _refuse({"type": ["Send a Bundle of type transaction."]})
    found: dict[str, tuple[int, Any, str | None]] = {}
    errors = {}
    for i, entry in enumerate(bundle.entry or []):
        resource = entry.resource
        kind = resource.get_resource_type() if resource is not None else None
        if kind not in ("ServiceRequest", "Consent", "Task") or kind in found:
            errors[f"entry.{i}.resource.resourceType"] = [
                "Send exactly one ServiceRequest, one Consent and one Task; no Patient or other resources."
            ]
            continue
        found[kind] = (i, resource, entry.fullUrl)
        for where in _free_text_paths(data["entry"][i]["resource"], f"entry.{i}.resource"):
            errors[where] = ["A referral carries no free text or names: use codes and pseudonyms."]
    for kind in ("ServiceRequest", "Consent", "Task"):
        if kind not in found:
            errors.setdefault("entry", []).append(f"A {kind} is missing.")
    _refuse(errors)
    return _fields(found)


def _pseudonym(ref: Reference | None, path: str, errors: dict[str, list[str]]) -> str | None:
    """The referring system's pseudonym in ``ref.identifier``, or None after adding an error."""
    if ref is None or ref.identifier is None or not ref.identifier.value:
        errors[path] = ["Give the citizen as identifier: the referring system's pseudonym."]
        return None
    if ref.reference is not None:
        errors[f"{path}.reference"] = ["No reference to a Patient: give only identifier (a pseudonym)."]
    if (ref.identifier.system or "") in CPR_SYSTEMS:
        errors[f"{path}.identifier.system"] = [CPR_MESSAGE]
        return None
    if not is_pseudonym(ref.identifier.value):
        errors[f"{path}.identifier.value"] = [PSEUDONYM_MESSAGE]
        return None
    return str(ref.identifier.value)


def _fields(found: dict[str, tuple[int, Any, str | None]]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    (si, sr, sr_url), (ci, consent, consent_url), (ti, task, _) = (
        found["ServiceRequest"],
        found["Consent"],
        found["Task"],
    )
    sp, cp, tp = f"entry.{si}.resource", f"entry.{ci}.resource", f"entry.{ti}.resource"
    if sr.status != "active" or sr.intent != "order":
        errors[f"{sp}.status"] = ["A referral is a ServiceRequest with status active and intent order."]
    citizen_ref = _pseudonym(sr.subject, f"{sp}.subject", errors)
    ids = [i.value for i in sr.identifier or [] if i.value]
    external_ref = ids[0] if ids else None
    if external_ref is None or not is_pseudonym(external_ref):
        errors[f"{sp}.identifier"] = [f"Give the referral's own id in your system. {PSEUDONYM_MESSAGE}"]
    practice = sr.requester.identifier.value if sr.requester and sr.requester.identifier else None
    if practice is not None and not (practice.isdigit() and len(practice) <= 20):
        errors[f"{sp}.requester.identifier.value"] = ["Digits only (the practice's ydernummer)."]
    reasons = []
    for j, concept in enumerate(sr.reasonCode or []):
        for k, coding in enumerate(concept.coding or []):
            if coding.system == REASON_SYSTEM and coding.code in REASONS:
                reasons.append(coding.code)
            elif coding.system == REASON_SYSTEM:
                errors[f"{sp}.reasonCode.{j}.coding.{k}.code"] = [f"Unknown reason; use one of {', '.join(REASONS)}."]
    extensions = {e.url: e for e in sr.extension or []}
    age_band = getattr(extensions.get(AGE_BAND_URL), "valueCode", None)
    if age_band is not None and age_band not in AGE_BANDS:
        errors[f"{sp}.extension"] = [f"Unknown age band; use one of {', '.join(AGE_BANDS)}."]
    postcode = getattr(extensions.get(POSTCODE_URL), "valueString", None)
    if postcode is not None and not (len(postcode) == 4 and postcode.isdigit()):
        errors[f"{sp}.extension"] = ["A Danish postcode has 4 digits."]
    if not any(r.reference and r.reference == consent_url for r in sr.supportingInfo or []):
        errors[f"{sp}.supportingInfo"] = ["Point supportingInfo at the Consent (its fullUrl)."]
    provision = consent.provision.type if consent.provision else "permit"
    if consent.status != "active" or provision != "permit":
        errors[f"{cp}.status"] = ["The citizen's explicit consent: an active Consent that permits the referral."]
    if _pseudonym(consent.patient, f"{cp}.patient", errors) not in (None, citizen_ref):
        errors[f"{cp}.patient"] = ["The Consent is for another citizen than the ServiceRequest."]
    if task.status != "requested" or task.intent != "order":
        errors[f"{tp}.status"] = ["A new referral is a Task with status requested and intent order."]
    if not task.focus or task.focus.reference != sr_url:
        errors[f"{tp}.focus"] = ["Point the Task's focus at the ServiceRequest (its fullUrl)."]
    if _pseudonym(task.for_fhir, f"{tp}.for", errors) not in (None, citizen_ref):
        errors[f"{tp}.for"] = ["The Task is for another citizen than the ServiceRequest."]
    authored = sr.authoredOn or task.authoredOn
    received = authored.date() if isinstance(authored, datetime) else authored
    if isinstance(received, date) and received > date.today():
        errors[f"{sp}.authoredOn"] = ["The date is in the future."]
    _refuse(errors)
    return {
        "citizen_ref": citizen_ref,
        "external_ref": external_ref,
        "gp_practice": practice,
        "received": received if isinstance(received, date) else date.today(),
        "age_band": age_band,
        "postcode": postcode,
        "reasons": list(dict.fromkeys(reasons)),
    }


def task_of(row: Referral) -> dict[str, Any]:
    """A referral's status as a FHIR ``Task`` (JSON-ready): ``status`` mapped from the
    lifecycle (``referrals.vocab.task_status``), ``businessStatus`` the service's own
    status, ``statusReason`` the close reason of a closed referral. Nothing else of
    the navigator's work."""
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": row.id,
        "status": task_status(row.status, row.close_reason),
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": "fulfill"}]},
        "for": {"identifier": {"value": row.citizen_ref}},
        "authoredOn": row.created_at.isoformat(),
        "lastModified": row.updated_at.isoformat(),
        "businessStatus": {"coding": [{"system": STATUS_SYSTEM, "code": row.status}], "text": STATUSES[row.status]},
    }
    if row.external_ref:
        resource["identifier"] = [{"value": row.external_ref}]
    if row.status == "closed" and row.close_reason in CLOSE_REASONS:
        resource["statusReason"] = {
            "coding": [{"system": CLOSE_REASON_SYSTEM, "code": row.close_reason}],
            "text": CLOSE_REASONS[row.close_reason],
        }
    task = Task.model_validate(resource)  # the library checks what we send, too
    return task.model_dump(mode="json", by_alias=True, exclude_none=True)


__all__ = ["CONTENT_TYPE", "REASON_SYSTEM", "parse_intake", "task_of"]
