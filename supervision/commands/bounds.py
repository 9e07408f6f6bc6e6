"""The door's bounds: the one place that says how large, how long and how deep an input may be.

Every entrypoint (HTTP bodies and query args, CLI options, `eldercare import`, inbound Kafka records)
validates through the marshmallow fields of `supervision.commands.fields`, which take their limits
from here; the views' column types (`projections/*.py`) are chosen to hold every value these bounds
admit, so an accepted command can always be projected. `docs/bounds.md` is the table of this module.

Pure: no I/O, no framework imports (the JSON depth scan works on bytes, before any parser recurses).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from itertools import accumulate

# -- integers ---------------------------------------------------------------------------------------
#: BIGINT (PostgreSQL, SQLite INTEGER) holds −2^63 … 2^63−1
BIGINT_MAX = 2**63 - 1
#: money, in integer fen: ¥100,000,000,000.00 (10^13 fen). A ¥30M fine is 3×10^9 fen. 922,337 amounts
#: at the maximum still sum inside a BIGINT, so the views' totals cannot overflow either.
MAX_FEN = 10**13
#: beds of one facility (total or nursing): China's largest institutions have a few thousand
MAX_BEDS = 100_000
#: grade assessment score (and each part of it)
MAX_SCORE = 1_000
#: months a prepaid service fee may cover (50 years)
MAX_MONTHS = 600
#: a percentage (sampling ratios)
MAX_PERCENT = 100
#: an aggregate version a client may name (`expected_version`): inside a 32-bit INTEGER column
MAX_VERSION = 2**31 - 1
#: query paging: page × page_size stays far inside a BIGINT offset
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 500

# -- dates -------------------------------------------------------------------------------------------
#: no date a command carries is older than the People's Republic (0001-01-01 or 1900-01-01 are typing
#: errors) nor later than this: a deadline, a validity or a term added to it stays a valid date, and
#: an instant in any UTC offset converts to Beijing time without overflow (year 10000 does not exist)
EARLIEST_DAY = date(1949, 10, 1)
LATEST_DAY = date(2199, 12, 31)
#: a deadline or a planned date (rectification, interview, refund due, visit, listing effective) lies at
#: most this many years after the day it is recorded: later is a typing error (9999-12-31)
HORIZON_YEARS = 10

# -- text (characters, not bytes) ---------------------------------------------------------------------
PERSON_NAME = 50  # a person's name (legal representative, inspector, complainant)
TITLE = 200  # names of facilities, campaigns, bodies, checklist titles
ADDRESS = 300
SHORT_TEXT = 500  # a reason, a measure, a scope
TEXT = 2000  # summaries, legal bases, reasons of decisions (multi-line)
LONG_TEXT = 4000  # findings of a concluded complaint (multi-line)
NOTE = 1000  # notes and descriptions (multi-line)
DOCUMENT_NO = 100  # 文书号: decision, notice, certificate numbers
SHORT_NO = 64  # finding, order, receipt, refund and ticket numbers
CODE = 40  # checklist item codes, part names
EVIDENCE_REF = 300  # a cited document or event reference
SEARCH = 100  # a name search in a query

# -- lists --------------------------------------------------------------------------------------------
MAX_CHECKLIST = 500  # items of a spot-check campaign's checklist
MAX_RESULT_ITEMS = 500  # items of one inspection result
MAX_EVIDENCE = 100  # evidence references of one command
MAX_AGENCIES = 10  # agencies of one joint campaign
MAX_LIST_TEXTS = 50  # measures, rejection reasons, evidence of a rectification report
MAX_DICT_ENTRIES = 50  # score parts, sampling ratios
MAX_QUERY_LIST = 1000  # USCCs in one query

# -- documents ----------------------------------------------------------------------------------------
#: JSON arrays/objects nested deeper than this are refused (422) before a recursive parser sees them
MAX_JSON_DEPTH = 32
#: an HTTP request body (413 above it); a command's event must also fit the broker's message limit
MAX_BODY_BYTES = 2 * 1024 * 1024
#: one line of an `eldercare import` file
MAX_IMPORT_LINE_BYTES = 2 * 1024 * 1024
#: the broker's message limit (kafka-python `max_request_size` and Kafka's `message.max.bytes` default)
DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024
#: what the relay adds around an event's data: CloudEvents headers, envelope keys, key, record overhead
MESSAGE_HEADROOM_BYTES = 16 * 1024

# -- characters ---------------------------------------------------------------------------------------
#: controls that reorder text (Trojan-source) and line/paragraph separators: refused in every text
_BIDI_AND_SEPARATORS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                                 "\u2028\u2029")
#: invisible characters that make two texts look the same (a facility name with trailing zero-width
#: spaces) or hide content: soft hyphen, zero-width space / non-joiner / joiner, word joiner, BOM
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
MULTILINE_ALLOWED = frozenset("\n\t")

#: patterns shown in the OpenAPI document (`pattern`); the checks below are what actually runs
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
MULTI_LINE_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f]*$"


def _refused(allowed: str) -> re.Pattern[str]:
    """Every character `text_problem` refuses, but `allowed`, as one character class: control
    characters (Unicode category Cc: C0, DEL, C1), surrogates (Cs), bidirectional controls and
    separators, non-characters (U+FDD0–FDEF and the last two code points of every plane)."""
    ranges = [r"\x00-\x1f", r"\x7f-\x9f", r"\ud800-\udfff", r"\ufdd0-\ufdef"]
    ranges += [re.escape(ch) for ch in sorted(_BIDI_AND_SEPARATORS | _INVISIBLE)]
    ranges += [rf"\U{plane:04X}FFFE\U{plane:04X}FFFF" for plane in range(17)]
    pattern = re.compile("[" + "".join(ranges) + "]")
    if not allowed:
        return pattern
    return re.compile(f"(?![{re.escape(allowed)}]){pattern.pattern}")


#: one regular-expression scan decides that most texts are fine; the loop below names the fault
_REFUSED_SINGLE_LINE = _refused("")
_REFUSED_MULTILINE = _refused("".join(sorted(MULTILINE_ALLOWED)))


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be kept as text, or None. NUL and other control characters (C0, DEL, C1),
    lone surrogates, non-characters and bidirectional controls are refused; a multi-line text may
    hold newlines and tabs (CR LF is normalised to LF by `normalise_text` before this runs)."""
    if (_REFUSED_MULTILINE if multiline else _REFUSED_SINGLE_LINE).search(value) is None:
        return None
    for ch in value:
        if ch in MULTILINE_ALLOWED and multiline:
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            where = "" if multiline else " (this field is a single line)" if ch in "\n\t\r" else ""
            return f"must not contain control characters such as U+{ord(ch):04X}{where}"
        if category == "Cs":
            return "must not contain unpaired surrogates (not valid Unicode text)"
        if ch in _INVISIBLE:
            return f"must not contain the invisible character U+{ord(ch):04X}"
        if ch in _BIDI_AND_SEPARATORS or _is_noncharacter(ch):
            return f"must not contain U+{ord(ch):04X}"
    return None


#: a mainland mobile number (digits may be grouped by a space or hyphen) and an 18-character resident ID
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
                        r"(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])")


def personal_number_problem(value: str) -> str | None:
    """Why `value` (free text) cannot be kept: it holds a mobile number or something shaped as a resident
    ID number (GB 11643: region, birth date, sequence, check — a mistyped check character still counts),
    full-width digits included. Personal data goes in the sealed fields
    (complainant, residents, the facility's personal part), never in free text, which regulators of
    other lines read and views keep in clear. None when the text holds neither."""
    folded = unicodedata.normalize("NFKC", value) if not value.isascii() else value
    if _MOBILE.search(folded):
        return ("looks like a mobile phone number: personal data goes in the sealed fields "
                "(complainant, residents, the facility's personal part), never in free text")
    if _ID_NUMBER.search(folded):
        return ("looks like a resident ID number: personal data goes in the sealed fields "
                "(complainant, residents, the facility's personal part), never in free text")
    return None


#: characters that show nothing though `str.isspace` says no (Hangul fillers, the blank Braille
#: pattern, the Mongolian vowel separator, zero-width characters): a name made of them is blank
_BLANK_LIKE = "\u115f\u1160\u3164\uffa0\u2800\u180e\u200b\u200c\u200d\u2060\ufeff"


def is_blank(value: str) -> bool:
    """Nothing a reader would see: empty, whitespace, or only blank-looking characters."""
    return all(ch.isspace() or ch in _BLANK_LIKE for ch in value)


def normalise_text(value: str, *, multiline: bool = False) -> str:
    """Multi-line text: CR LF → LF (a bare CR stays, and is then refused as a control character)."""
    return value.replace("\r\n", "\n") if multiline else value


def _is_noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def normalise_identifier(value: str) -> str:
    """NFKC: full-width letters and digits become ASCII (`１４０５０２` → `140502`). Other scripts'
    digits (`١٤٠٥٠٢`) are not compatibility forms: they stay, and `identifier_problem` refuses them."""
    return unicodedata.normalize("NFKC", value)


def identifier_problem(value: str) -> str | None:
    """An identifier (after NFKC) must be printable ASCII without surrounding whitespace."""
    if not value.isascii():
        return "must be ASCII letters, digits and punctuation (full-width forms are converted; " \
               "other scripts' digits are refused)"
    if any(not (0x20 <= ord(c) < 0x7F) for c in value):
        return "must not contain control characters"
    if value != value.strip():
        return "must not begin or end with whitespace"
    return None


def reference_problem(value: str) -> str | None:
    """A document number (文书号 such as `晋城民罚决字〔2026〕12号`) may hold Chinese, but after NFKC its
    digits are ASCII, it is a single line and it neither begins nor ends with whitespace."""
    problem = text_problem(value)
    if problem:
        return problem
    if any(unicodedata.category(c) == "Nd" and not c.isascii() for c in value):
        return "digits must be ASCII 0–9 (full-width digits are converted; other scripts' are refused)"
    if value != value.strip():
        return "must not begin or end with whitespace"
    return None


def fullmatch(pattern: str, value: str) -> bool:
    """Anchored at both ends (a trailing newline never slips past `$`), ASCII classes only."""
    return re.fullmatch(pattern, value, flags=re.ASCII) is not None


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
#: opening brackets → +1, closing → −1 (as signed bytes), everything else dropped
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def json_too_deep(data: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON document nests arrays/objects deeper than `limit`, found without recursion:
    strings (escapes included) are removed, brackets become ±1 steps, and the running sum is the depth."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    steps = _JSON_STRING.sub(b"", raw).translate(_STEPS, _NOT_BRACKETS)
    return bool(steps) and max(accumulate(memoryview(steps).cast("b"))) > limit
