"""How a large import's chunks are shared: every chunk has exactly one owner, the importing process
takes one in every `main_every`, the helpers the others in turn; the importing process reads its own
chunks' lines from its stream, stepping over the helpers' and finding the file's end."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest

from infra.import_pipeline import OwnLines, numbered, owner


@pytest.mark.parametrize("helpers", [1, 2, 3])
@pytest.mark.parametrize("main_every", [0, 2, 3, 5])
def test_the_helpers_share_what_the_importing_process_leaves_in_turn(helpers, main_every):
    owners = [owner(c, helpers, main_every) for c in range(60 * helpers)]
    mine = [c for c, o in enumerate(owners) if o == helpers]
    assert mine == ([c for c in range(len(owners)) if c % main_every == main_every - 1] if main_every else [])
    theirs = [o for o in owners if o != helpers]
    assert theirs == [k % helpers for k in range(len(theirs))]  # in turn, so each is as busy
    assert Counter(theirs)[0] == Counter(theirs)[helpers - 1]


class Echo:
    """A preparer that says which line it was given."""

    def prepare(self, number: int, size: int, row: Any) -> Any:
        return number, row


def own_lines(count: int, skip: int, chunk_lines: int) -> OwnLines:
    text = "".join("\n" if n % 5 == 0 else f"row {n}\n" for n in range(1, count + 1))
    stream = io.BytesIO(text.encode())
    return OwnLines(numbered(stream, 0, len(text), 1), skip, chunk_lines, bytes.decode, Echo())  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [3, 10, 11, 12, 13, 25, 26])
def test_the_importing_process_reads_its_head_and_its_chunks_and_finds_the_end(count):
    skip, chunk_lines = 4, 3
    lines = own_lines(count, skip, chunk_lines)
    head = [n for n, _ in lines.head()]
    assert head == [n for n in range(1, min(count, skip - 1) + 1) if n % 5]
    taken: list[int] = []
    for chunk in (1, 2, 4):  # the others are a helper's: stepped over
        got = lines.chunk(chunk)
        first = skip + chunk * chunk_lines
        if first > count:
            assert got is None  # the file ended before it
            break
        assert got is not None
        assert [n for n, _ in got] == [n for n in range(first, min(first + chunk_lines, count + 1)) if n % 5]
        assert all(row == f"row {n}\n" for n, row in got)
        taken += [n for n, _ in got]
    assert taken == sorted(taken)
