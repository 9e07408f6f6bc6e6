"""Command forms built from the API's own marshmallow command schemas (`Dispatcher.schemas`).

A form field per schema field: dates are date pickers, integers number inputs, `OneOf` fields
selects, booleans a 是/否 select, free text a text box (multi-line text a text area), lists of codes a
comma-separated box, nested objects and lists of objects a JSON text area. The submitted form becomes
the same JSON-like payload the HTTP API would receive (empty fields are "not given"); validation,
roles, jurisdiction and the rule checks are the dispatcher's, and its field errors are shown beside
the fields. The console adds no rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import fields, validate

from supervision import strict_json
from supervision.commands import bounds
from supervision.commands.fields import Text
from supervision.console.messages import field_root, translate
from supervision.console.words import CHOICE_WORDS, HELP, LABELS


@dataclass
class FormField:
    """One input of a command form: `widget` is text | textarea | date | number | select | json | csv."""

    name: str
    label: str
    widget: str
    required: bool
    choices: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    errors: list[str] = field(default_factory=list)
    help: str = ""


def _one_of(f: fields.Field) -> list[str] | None:
    for v in f.validators:
        if isinstance(v, validate.OneOf):
            return [str(c) for c in v.choices]
    return None


def widget_of(f: fields.Field) -> str:
    if isinstance(f, fields.Boolean):
        return "select"
    if isinstance(f, fields.Date):
        return "date"
    if isinstance(f, fields.Integer):
        return "number"
    if isinstance(f, fields.List):
        inner = f.inner
        return "json" if isinstance(inner, fields.Nested | fields.Dict) else "csv"
    if isinstance(f, fields.Nested | fields.Dict):
        return "json"
    if _one_of(f):
        return "select"
    if isinstance(f, Text) and f.multiline:
        return "textarea"
    return "text"


def build_fields(schema: Any, values: dict[str, str], errors: dict[str, list[str]],
                 hidden: tuple[str, ...] = ()) -> list[FormField]:
    """The form's inputs for `schema` (a command schema instance), filled with `values` and the
    dispatcher's `errors` (keys as `validation_fields` gives them: `checklist[0].code` → checklist)."""
    by_field: dict[str, list[str]] = {}
    for key, messages in errors.items():
        root = field_root(key)
        by_field.setdefault(root, []).extend(
            translate(m) if root == key else f"{key}：{translate(m)}" for m in messages)
    out = []
    for name, f in schema.fields.items():
        if name in hidden or f.dump_only:
            continue
        widget = widget_of(f)
        choices: list[tuple[str, str]] = []
        if isinstance(f, fields.Boolean):
            choices = [("true", "是"), ("false", "否")]
        elif widget == "select":
            choices = [(c, CHOICE_WORDS.get(f"{name}:{c}", CHOICE_WORDS.get(c, c))) for c in _one_of(f) or []]
        description = (f.metadata or {}).get("description", "")  # the API's words; the console's below
        out.append(FormField(name=name, label=LABELS.get(name, name), widget=widget, required=f.required,
                             choices=choices, value=values.get(name, ""), errors=by_field.pop(name, []),
                             help=HELP.get(description, description)))
    return out


def payload_from_form(schema: Any, form: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The command payload from a submitted form: empty fields are left out (not given), integers and
    booleans converted from their text, JSON fields parsed, comma lists split. Returns the payload and
    the fields whose text could not be read (JSON, integers); the schema judges everything else."""
    payload: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name, f in schema.fields.items():
        raw = (form.get(name) or "").strip()
        if raw == "":
            continue
        widget = widget_of(f)
        if isinstance(f, fields.Boolean):
            payload[name] = raw == "true"
        elif widget == "number":
            try:
                payload[name] = int(raw)
            except ValueError:
                problems[name] = ["不是整数"]
        elif widget == "json":
            if bounds.json_too_deep(raw):  # refused before parsing, as the API's door does
                problems[name] = [f"嵌套超过 {bounds.MAX_JSON_DEPTH} 层"]
                continue
            try:
                payload[name] = strict_json.loads(raw)
            except strict_json.DuplicateKey as exc:
                problems[name] = [f"键 {exc.key!r} 出现了两次（应只出现一次）"]
            except ValueError:
                problems[name] = ["不是有效的 JSON"]
        elif widget == "csv":
            payload[name] = [part.strip() for part in raw.replace("，", ",").replace("、", ",").split(",")
                             if part.strip()]
        else:
            payload[name] = form.get(name, "") if widget == "textarea" else raw
    return payload, problems
