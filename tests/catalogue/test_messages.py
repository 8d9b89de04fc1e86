"""The importer's message catalogue (catalogue.messages): every message an import can give has a
code and a Danish text, read back from the English the importer writes.

Two enumerations keep the catalogue complete: every message marshmallow can give for the fields
and validators of the import schemas (read off the schema objects), and every message the
importer's own modules write (read off their source: what they raise, append to warnings or put
in an error dict). Adding an English-only message to either fails here."""

from __future__ import annotations

import ast
import json
import pickle
import re
import string
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from marshmallow import Schema, fields, validate

from catalogue.messages import (
    FIELD_LABELS,
    MESSAGES,
    UNKNOWN_DA,
    Message,
    by_code,
    danish,
    danish_errors,
    explain,
    field_label,
    number_da,
)
from catalogue.schedule.schemas import ScheduleSchema
from catalogue.schemas import OfferSchema, OrganisationSchema

REPO = Path(__file__).resolve().parents[2]
#: The modules an import runs through: readers, schemas, the pipeline and the store's writes.
IMPORT_MODULES = [
    *(
        REPO / "catalogue" / f"{name}.py"
        for name in (
            "importer",
            "schemas",
            "formats",
            "fileformats",
            "costs",
            "danish",
            "places",
            "privacy",
            "taxonomy",
            "audience",
            "languages",
            "store",
            "rows",
        )
    ),
    *sorted((REPO / "catalogue" / "schedule").glob("*.py")),
    *(
        REPO / "catalogue" / "hsds" / f"{name}.py"
        for name in ("reader", "cost_options", "schedules", "tabular", "terms")
    ),
]
_RAISED = {"ValidationError", "ValueError", "FileFormatError", "ScheduleTextError", "InvalidRecord", "Rejection"}
#: Lists that collect messages, and plain names a message is first put in.
_SINKS = {"warn", "warnings", "problems", "errors", "problem", "message", "msg", "reason"}
#: English words no Danish message holds (quoted values and column names are removed first).
ENGLISH = re.compile(
    r"\b(must|give|not|unknown|invalid|missing|field|valid|the|is|be|only|cannot|should|than|with|"
    r"stored|left|number|record|between|may|exceeds|needs|use|known|found|line|column|error)\b",
    re.IGNORECASE,
)


def _template(node: ast.AST) -> str | None:
    """A string literal or f-string as a ``str.format`` template (expressions become fields)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        out = []
        for n, part in enumerate(node.values):
            if isinstance(part, ast.Constant):
                out.append(str(part.value).replace("{", "{{").replace("}", "}}"))
            else:
                out.append(f"{{p{n}}}")
        return "".join(out)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return None if left is None or right is None else left + right
    return None


def _strings(node: ast.AST) -> Iterator[tuple[int, str]]:
    template = _template(node)
    if template is not None:
        yield node.lineno, template  # type: ignore[attr-defined]
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            yield from _strings(item)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, ast.DictComp | ast.ListComp):
        yield from _strings(node.value if isinstance(node, ast.DictComp) else node.elt)
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def written_messages(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every message a module writes: arguments of the exceptions and rejections it raises,
    ``error=`` of validators, items appended or added to warning and error lists, texts first
    put in a name (``problem``, ``reason``, ``message``), lists in ``{field: [messages]}`` dicts,
    ``return [..]`` of an ``errors`` method, and ``*_MESSAGE`` constants."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in _RAISED:
                args = (
                    node.args[1:2]
                    if name == "ScheduleTextError"
                    else node.args[:1]
                    if name != "Rejection"
                    else node.args[3:4]
                )
                for arg in args:
                    yield from _strings(arg)
            for keyword in node.keywords:
                if keyword.arg == "error":
                    yield from _strings(keyword.value)
            if name == "append" and isinstance(node.func, ast.Attribute):
                target = node.func.value
                if _name(target) in _SINKS or (isinstance(target, ast.Call) and _name(target.func) == "setdefault"):
                    for arg in node.args:
                        yield from _strings(arg)
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                base = target.value if isinstance(target, ast.Subscript) else target
                name = _name(base) or ""
                if name in _SINKS or name.endswith("_MESSAGE"):
                    yield from _strings(node.value)
        elif isinstance(node, ast.Dict) and node.values and all(isinstance(v, ast.List) for v in node.values):
            # the shape of every error dict, {field: [messages]}; a message has words, a column name has not
            yield from ((line, t) for line, t in _strings(node) if " " in t)
        elif isinstance(node, ast.DictComp) and isinstance(node.value, ast.List):
            yield from ((line, t) for line, t in _strings(node.value) if " " in t)
        elif isinstance(node, ast.FunctionDef) and node.name == "errors":
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and isinstance(ret.value, ast.List):
                    yield from _strings(ret.value)
        elif isinstance(node, ast.ClassDef) and node.name == "ScheduleTextError":
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and _name(call.func) == "__init__":
                    for arg in call.args:
                        yield from _strings(arg)


def _sample(template: str) -> str:
    """A message as the template would write it, each field filled with a distinct number."""
    out, n = [], 0
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            n += 1
            out.append(f"{n}7")
    return "".join(out)


def _module_messages() -> list[tuple[str, str]]:
    found = []
    for path in IMPORT_MODULES:
        for line, template in written_messages(ast.parse(path.read_text(encoding="utf-8"))):
            if template.strip() and not re.fullmatch(r"\{\w+\}", template):
                found.append((f"{path.relative_to(REPO)}:{line}", template))
    return found


def test_a_new_english_message_is_caught() -> None:
    """What the parametrised test below does for a module that gains an English-only message."""
    source = 'def f(x):\n    raise ValueError(f"Totally new problem with {x}.")\n'
    [(_, template)] = list(written_messages(ast.parse(source)))
    assert explain(_sample(template)) is None


def test_the_scan_finds_the_importers_messages() -> None:
    """The source scan sees the messages it must (so the next test cannot pass by finding none)."""
    templates = {t for _, t in _module_messages()}
    assert "Give 1 to 10 categories." in templates  # a validator's error=
    assert "Unknown category: {p1}. Known: {p3}." in templates  # inside a raised {field: [message]} dict
    assert "Must be plain text: no NUL bytes or lone surrogates." in templates  # a returned {path: [message]}
    assert any(t.startswith("Ambiguous number") for t in templates)  # a ValueError of catalogue.costs
    assert any(t.startswith("accessibility {") for t in templates)  # an HSDS warning
    assert "no opens_at/closes_at" in templates  # a warning's reason, first put in a name
    assert any(t.startswith("Kan ikke læse tidspunktet") for t in templates)  # ScheduleTextError's own text
    assert len(templates) > 120


@pytest.mark.parametrize(("where", "template"), _module_messages())
def test_every_message_an_importer_module_writes_has_danish(where: str, template: str) -> None:
    sample = _sample(template)
    found = explain(sample)
    assert found is not None, f"{where}: {template!r} is not in catalogue.messages.MESSAGES"
    assert danish(sample) != UNKNOWN_DA.format(message=sample)


def _validator_templates(validator: object) -> Iterator[str]:
    error = getattr(validator, "error", None)
    if error:
        yield error
        return
    if isinstance(validator, validate.Range | validate.Length):
        yield from (validator.message_min, validator.message_max, validator.message_all)  # type: ignore[union-attr]
        if isinstance(validator, validate.Length):
            yield validator.message_equal
        return
    default = getattr(validator, "default_message", None)
    if default:
        yield default


def _field_templates(field: fields.Field, path: str) -> Iterator[tuple[str, str]]:
    for template in field.error_messages.values():
        yield path, str(template)
    for validator in field.validators:
        for template in _validator_templates(validator):
            yield path, template
    if isinstance(field, fields.Nested):
        schema = field.schema
        yield from _schema_templates(schema, path)
    if isinstance(field, fields.List):
        yield from _field_templates(field.inner, path + ".0")


def _schema_templates(schema: Schema, path: str = "") -> Iterator[tuple[str, str]]:
    for template in schema.error_messages.values():
        yield path or "_schema", str(template)
    for template in Schema._default_error_messages.values():  # marshmallow's own "Unknown field."
        yield path or "_schema", str(template)
    for name, field in schema.fields.items():
        if not field.dump_only:
            yield from _field_templates(field, f"{path}.{name}" if path else name)


def _marshmallow_messages() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for schema in (OfferSchema(), OrganisationSchema(), ScheduleSchema()):
        for path, template in _schema_templates(schema):
            seen.setdefault(template, path)
    return sorted((path, template) for template, path in seen.items())


def _coded_messages() -> list[tuple[str, str, set[str]]]:
    """Every ``Message("code", name=...)`` in the importer's modules: where, the code, the names."""
    found = []
    for path in IMPORT_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) == "Message":
                assert node.args and isinstance(node.args[0], ast.Constant), f"{path}:{node.lineno}: a literal code"
                names = {k.arg for k in node.keywords if k.arg}
                found.append((f"{path.relative_to(REPO)}:{node.lineno}", str(node.args[0].value), names))
    return found


def test_the_importer_writes_its_messages_from_codes() -> None:
    codes = {code for where, code, _ in _coded_messages() if where.startswith("catalogue/importer.py")}
    assert {"record.not_object", "id.missing", "id.duplicate", "organisation.differs", "import.database"} <= codes


@pytest.mark.parametrize(("where", "code", "names"), _coded_messages())
def test_every_coded_message_names_a_catalogue_entry_and_its_fields(where: str, code: str, names: set[str]) -> None:
    fields_ = {name for _, name, _, _ in string.Formatter().parse(by_code(code).en) if name}
    assert names == fields_, f"{where}: {code} takes {sorted(fields_)}"


def test_a_coded_message_is_the_english_text_and_knows_its_code() -> None:
    message = Message("id.duplicate", id="'kor-1'", first=3)
    assert message == "Duplicate id 'kor-1': also record 3." and json.dumps([message]) == json.dumps([str(message)])
    assert explain(message) == explain(str(message))
    assert danish(message) == "Id'et 'kor-1' står flere gange i filen: også i post 3."
    assert pickle.loads(pickle.dumps(message)).code == "id.duplicate"
    with pytest.raises(KeyError):
        Message("no.such.code")


def test_the_schema_walk_finds_marshmallows_messages() -> None:
    templates = {t for _, t in _marshmallow_messages()}
    assert {"Not a valid integer.", "Missing data for required field.", "Field may not be null."} <= templates
    assert {"Longer than maximum length {max}.", "Must be one of: {choices}.", "Unknown field."} <= templates
    assert "Must be greater than or equal to {min} and less than or equal to {max}." in templates


@pytest.mark.parametrize(("path", "template"), _marshmallow_messages())
def test_every_marshmallow_message_of_the_import_schemas_has_danish(path: str, template: str) -> None:
    sample = _sample(template)
    assert explain(sample) is not None, f"{path}: marshmallow's {template!r} is not in catalogue.messages.MESSAGES"


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.code)
def test_each_entry_reads_back_as_itself_and_has_danish_text(message: object) -> None:
    from catalogue.messages import MessageDef

    assert isinstance(message, MessageDef)
    en_fields = {name for _, name, _, _ in string.Formatter().parse(message.en) if name}
    da_fields = {name for _, name, _, _ in string.Formatter().parse(message.da) if name}
    assert da_fields <= en_fields, f"{message.code}: the Danish text names fields the English has not"
    assert message.literal_length >= 8, f"{message.code}: too little fixed text to be told apart"
    found = explain(_sample(message.en))
    assert found is not None and found.code == message.code, f"{message.code} is read back as {found}"
    if message.en != message.da:  # not one the importer writes in Danish already
        text = re.sub(r"\{[^}]*\}", "", message.da)
        assert not ENGLISH.search(re.sub(r"'[^']*'|\"[^\"]*\"|\b\w+[._]\w+\b|\bcondition:\w+", "", text)), text


def test_codes_are_unique() -> None:
    codes = [m.code for m in MESSAGES]
    assert len(codes) == len(set(codes))
    assert by_code("field.integer").da == "Skal være et helt tal, fx 12."


@pytest.mark.parametrize(
    ("english", "code", "danish_text"),
    [
        ("Not a valid integer.", "field.integer", "Skal være et helt tal, fx 12."),
        ("Missing data for required field.", "field.required", "Skal udfyldes."),
        ("Field may not be null.", "field.null", "Må ikke være tom."),
        ("Longer than maximum length 200.", "length.max", "Højst 200 tegn."),
        (
            "Must be greater than or equal to 0 and less than or equal to 1000000.",
            "range.between",
            "Skal være et tal fra 0 til 1.000.000.",
        ),
        ("Must be greater than or equal to 1.", "range.min", "Skal være mindst 1."),
        (
            "Must be one of: activity, volunteer_service, municipal_service.",
            "oneof",
            "Skal være en af: Foreningsaktivitet, Frivillig indsats, Kommunalt tilbud.",
        ),
        (
            "Latitude 60.25 is outside Denmark (54.5-57.8).",
            "point.lat_outside",
            "Breddegraden 60,25 ligger uden for Danmark (54,5-57,8).",
        ),
        (
            "Duplicate id 'kor-1': also record 3.",
            "id.duplicate",
            "Id'et 'kor-1' står flere gange i filen: også i post 3.",
        ),
    ],
)
def test_english_reads_back_to_code_and_danish(english: str, code: str, danish_text: str) -> None:
    found = explain(english)
    assert found is not None and found.code == code
    assert danish(english) == danish_text


def test_a_records_warning_wraps_the_readers_reason_both_in_danish() -> None:
    english = "record 2 (svc-9): cost option 1 (20.0 EUR Kaffe ) is not in DKK; kept, but the price counts as unknown"
    found = explain(english)
    assert found is not None and found.code == "warning.record" and found.params["pos"] == "2"
    assert danish(english) == (
        "Post 2 (svc-9): prismulighed 1 (20.0 EUR Kaffe ) er ikke i DKK; gemt, men prisen regnes som ukendt"
    )


def test_a_lists_length_is_not_counted_in_characters() -> None:
    assert danish("Longer than maximum length 50.", "schedule.slots") == "Højst 50 på listen."
    assert danish("Longer than maximum length 200.", "title") == "Højst 200 tegn."
    assert danish_errors({"schedule.slots.0.byweekno": ["Longer than maximum length 53."]}) == [
        ("Tidspunkt, tid 1, ugenumre (schedule.slots.0.byweekno)", "Højst 53 på listen.")
    ]


def test_a_long_text_in_a_message_is_read_quickly() -> None:
    """A publisher's text inside a warning (here 20,000 characters of separators) cannot make the
    report slow: templates whose fixed parts are not there are not tried (it took 4 s before)."""
    cell = "tirsdag " + "-, (" * 5000
    message = f"record 3 (x): schedule x ({cell}): {cell}; left out"
    started = time.perf_counter()
    assert danish(message).startswith("Post 3 (x): ")
    assert time.perf_counter() - started < 1.0


def test_an_unknown_message_is_marked_not_passed_through() -> None:
    assert explain("Something new.") is None
    assert danish("Something new.") == "Ugyldig værdi (Something new.)"


def test_library_details_in_english_stay_out_of_the_danish_text() -> None:
    assert danish("Not valid JSON: Expecting value at line 1, column 2.") == (
        "Filen er ikke gyldig JSON: fejl i linje 1, kolonne 2."
    )
    assert danish("CSV error at line 1204: unexpected end of data") == (
        "Linje 1.204 kan ikke læses som CSV (tjek anførselstegn og skilletegn)."
    )


def test_numbers_are_danish_through_babel() -> None:
    assert number_da("100000") == "100.000"
    assert number_da("54.5") == "54,5"
    assert number_da("'2.4'") == "'2.4'"  # a value as written is shown as written


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("title", "Titel"),
        ("location.town", "By"),
        ("places_total", "Pladser i alt"),
        ("cost.options.0.amount", "Pris, mulighed 1, beløb"),
        ("schedule.slots.1.start", "Tidspunkt, tid 2, starttid"),
        ("categories.0", "Kategorier, nr. 1"),
        ("categories.strik.label_da", "Kategori strik, dansk navn"),
        ("organisation.contact.email", "Foreningens kontakt, e-mail"),
        ("_record", "Posten"),
        ("_file", "Filen"),
    ],
)
def test_field_labels_are_danish(path: str, label: str) -> None:
    assert field_label(path) == label


def test_every_csv_column_has_a_danish_label() -> None:
    from catalogue.formats import CSV_COLUMNS

    assert [c for c in CSV_COLUMNS if c not in FIELD_LABELS] == []


def test_a_rejection_reads_as_danish_label_and_message() -> None:
    errors = {"title": ["Missing data for required field."], "location.town": ["Longer than maximum length 100."]}
    assert danish_errors(errors) == [("Titel", "Skal udfyldes."), ("By (location.town)", "Højst 100 tegn.")]
