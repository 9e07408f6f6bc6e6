"""One CLI grammar, checked over click's whole command tree (a command added later is covered)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from infra.cli import GLOSSARY, main
from infra.cli_support import DATE, FORMATS, echo_json

DATE_OPTION = re.compile(r"^--(on|as-of|today|effective|since|until|[a-z-]+-on)$")


def leaf_commands(group: click.Group, path: str = "eldercare") -> Iterator[tuple[str, click.Command]]:
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from leaf_commands(cmd, f"{path} {name}")
        else:
            yield f"{path} {name}", cmd


LEAVES = list(leaf_commands(main))


def test_the_tree_has_commands() -> None:
    assert len(LEAVES) > 40


@pytest.mark.parametrize(("path", "cmd"), LEAVES, ids=[p for p, _ in LEAVES])
def test_every_command_takes_format_table_json_csv(path: str, cmd: click.Command) -> None:
    options = [p for p in cmd.params if isinstance(p, click.Option) and "--format" in p.opts]
    assert len(options) == 1, f"{path}: no --format"
    assert tuple(options[0].type.choices) == FORMATS


@pytest.mark.parametrize(("path", "cmd"), LEAVES, ids=[p for p, _ in LEAVES])
def test_every_date_option_is_one_type(path: str, cmd: click.Command) -> None:
    for param in cmd.params:
        if isinstance(param, click.Option) and any(DATE_OPTION.match(o) for o in param.opts):
            assert param.type is DATE, f"{path} {param.opts[0]} is {param.type!r}, not the CLI's DATE"


@pytest.mark.parametrize(("path", "cmd"), LEAVES, ids=[p for p, _ in LEAVES])
def test_required_options_are_marked_in_help(path: str, cmd: click.Command) -> None:
    ctx = click.Context(cmd, info_name=path)
    for param in cmd.params:
        if isinstance(param, click.Option) and param.required:
            record = param.get_help_record(ctx)
            assert record is not None and "required" in record[1], f"{path} {param.opts[0]}"


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and re.match(r"eldercare, version \d+\.\d+", result.output)


def test_date_option_refuses_other_forms_and_takes_full_width_digits() -> None:
    assert DATE.convert("２０２６-１２-０１", None, None) == "2026-12-01"
    for bad in ("2026-1-1", "01/12/2026", "2026-02-30", "2026-12-01\n1"):
        with pytest.raises(click.BadParameter):
            DATE.convert(bad, None, None)


def test_glossary_explains_the_terms_and_maps_list_names() -> None:
    terms = ("临时查封", "失信被执行人", "执法检查人员名录库",
             "失信名单", "失信联合惩戒对象名单", "重点关注名单")
    for term in terms:
        assert term in GLOSSARY
    lists_help = CliRunner().invoke(main, ["lists", "show", "--help"]).output
    pairs = ("blacklist = 失信名单", "joint-punishment = 失信联合惩戒对象名单",
             "key-attention = 重点关注名单")
    for pair in pairs:
        assert pair in " ".join(lists_help.split())


@click.command()
def _emit() -> None:
    echo_json({"total": 1, "items": [{"uscc": "52140502MJY0000101", "name": "城区示例颐养院",
                                      "history": [{"a": 1}]}]})


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_keep_codes_whole(fmt: str) -> None:
    group = click.Group(commands={"emit": _emit})

    @group.result_callback()
    def _noop(*_: object) -> None:
        return None

    from infra.cli_support import apply_grammar

    apply_grammar(group)
    result = CliRunner().invoke(group, ["emit", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "52140502MJY0000101" in result.output
    if fmt == "json":
        assert json.loads(result.output)["items"][0]["uscc"] == "52140502MJY0000101"
    if fmt == "csv":
        assert result.output.splitlines()[0] == "uscc,name,history"


def test_csv_output_neutralises_formulas_but_keeps_numbers() -> None:
    """`--format csv` opens in a spreadsheet too: a name starting with = must not run (CSV injection)."""
    from infra.cli_support import apply_grammar

    @click.command()
    def emit() -> None:
        echo_json({"items": [{"name": '=HYPERLINK("http://x","点此")', "points": -30,
                              "note": "@SUM(A1)"}]})

    group = click.Group(commands={"emit": emit})
    apply_grammar(group)
    result = CliRunner().invoke(group, ["emit", "--format", "csv"])
    assert result.exit_code == 0, result.output
    row = result.output.splitlines()[1]
    assert row.startswith("\"'=HYPERLINK(") and ",-30," in row and row.endswith("'@SUM(A1)")
