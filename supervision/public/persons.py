"""How a person's name appears in every public output: masked one way, everywhere.

民发〔2019〕103号 publishes the responsible persons of a listed facility (法定代表人 / 主要负责人) masked;
the registry, the lists, the topics, the pages and the downloads all use this one function, so a
person masked in one place is never shown in clear in another.
"""

from __future__ import annotations

MASK = "*"


def mask_person(name: str | None) -> str:
    """张三丰 → 张**, 王五 → 王*, "Li Lei" → L*****: the first character kept, every other one a `*`.

    Empty or missing → "". A one-character name still gets one `*`, so the length of a public value
    never tells a masked name from an unmasked one.
    """
    if not name:
        return ""
    text = str(name).strip()
    if not text:
        return ""
    return text[0] + MASK * max(len(text) - 1, 1)
