"""FHIR intake and status: what is accepted, what is refused (by FHIR path), the Task out."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from catalogue.errors import InvalidRecord
from referrals.fhir import parse_intake, task_of
from referrals.models import Referral
from tests.api.test_referral_loop import bundle


def test_a_valid_bundle_gives_the_intake_fields() -> None:
    assert parse_intake(bundle("gp-1")) == {
        "citizen_ref": "lp-fhir-01",
        "external_ref": "gp-1",
        "gp_practice": "333333",
        "received": datetime(2026, 11, 20).date(),
        "age_band": None,
        "postcode": None,
        "reasons": ["loneliness"],
    }


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(bundle("gp-1"))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (_with(["entry", 0, "resource", "status"], "draft"), "entry.0.resource.status"),
        (_with(["entry", 1, "resource", "status"], "rejected"), "entry.1.resource.status"),
        (_with(["entry", 1, "resource", "provision"], {"type": "deny"}), "entry.1.resource.status"),
        (_with(["entry", 2, "resource", "focus"], {"reference": "urn:uuid:other"}), "entry.2.resource.focus"),
        (_with(["entry", 0, "resource", "note"], [{"text": "Har det svært"}]), "entry.0.resource.note"),
        (_with(["entry", 0, "resource", "subject"], {"reference": "Patient/1", "identifier": {"value": "lp-fhir-01"}}), "entry.0.resource.subject.reference"),
        (_with(["entry", 0, "resource", "authoredOn"], "yesterday"), "entry.0.resource.authoredOn"),
        (_with(["entry", 0, "resource", "supportingInfo"], []), "entry.0.resource.supportingInfo"),
        (_with(["entry", 2, "resource", "for"], {"identifier": {"value": "lp-someone-else"}}), "entry.2.resource.for"),
        (_with(["entry", 2], {"resource": {"resourceType": "Patient", "name": [{"family": "Hansen"}]}}), "entry.2.resource.resourceType"),
        (_with(["type"], "collection"), "type"),
        # Names and free text nested inside the resources, not only at their top level.
        (_with(["entry", 0, "resource", "contained"], [{"resourceType": "Patient", "name": [{"text": "Jens Hansen"}]}]), "entry.0.resource.contained"),
        (_with(["entry", 0, "resource", "reasonCode"], [{"text": "Diagnose: depression"}]), "entry.0.resource.reasonCode.0.text"),
        (_with(["entry", 0, "resource", "requester"], {"display": "Dr. Jens Hansen"}), "entry.0.resource.requester.display"),
        (_with(["entry", 2, "resource", "for"], {"identifier": {"value": "lp-fhir-01"}, "display": "Jens Hansen"}), "entry.2.resource.for.display"),
        (_with(["entry", 0, "resource", "extension"], [{"url": "urn:example:x", "valueString": "Jens Hansen"}]), "entry.0.resource.extension.0.valueString"),
        (_with(["entry", 1, "resource", "provision"], {"type": "permit", "actor": [{"role": {"text": "datter"}, "reference": {"display": "Mette Hansen"}}]}), "entry.1.resource.provision.actor.0.reference.display"),
    ],
)  # fmt: skip
def test_refusals_name_the_fhir_path(data: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_intake(data)
    assert path in caught.value.errors, caught.value.errors


def test_task_status_and_reason_out() -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    row = Referral(id="r-1", citizen_ref="lp-1", external_ref="gp-1", status="closed", close_reason="no_capacity",
                   created_at=now, updated_at=now)  # fmt: skip
    task = task_of(row)
    assert (task["status"], task["statusReason"]["coding"][0]["code"], task["for"]) == (
        "failed", "no_capacity", {"identifier": {"value": "lp-1"}}
    )  # fmt: skip
    row.status, row.close_reason = "matched", None
    assert task_of(row)["status"] == "in-progress" and "statusReason" not in task_of(row)


def test_codes_with_their_labels_and_the_postcode_extension_are_not_free_text() -> None:
    data = _with(
        ["entry", 0, "resource", "reasonCode"],
        [{"coding": [{"system": "https://faellesskabsmatch.norddjurs.dk/fhir/CodeSystem/referral-reason", "code": "loneliness", "display": "Ensomhed"}]}],
    )  # fmt: skip
    data["entry"][0]["resource"]["extension"] = [
        {"url": "https://faellesskabsmatch.norddjurs.dk/fhir/StructureDefinition/postcode", "valueString": "8500"}
    ]
    fields = parse_intake(data)
    assert fields["reasons"] == ["loneliness"] and fields["postcode"] == "8500"
