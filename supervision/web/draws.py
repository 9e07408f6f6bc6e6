"""The draw verification page's data: the public draw record, re-run here, step by step.

The record is exactly what `GET /api/v1/public/spot-check-draws/{campaign_id}` answers (every
attempt's commitment and redraw reason at once; seed, snapshot, digest, algorithm and result from the
visit date on, `draw_visibility`). For each disclosed attempt the page re-runs the draw on the
revealed seed and the snapshot (`supervision.policy.draw.draw`) and checks the chain
(`verify_chain`: SHA-256(seed) = commitment, SHA-256(snapshot) = digest, re-run = recorded result),
plus the order of the record (the commitment was recorded before the snapshot was frozen).
Nothing is shown that the public record does not hold; inspectors appear by pool code only.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from supervision.api.spot_checks import _UNTIL_VISIT, visibility
from supervision.domain.errors import DomainError
from supervision.policy.draw import DRAW_PROTOCOL, DrawInputs, draw, verify_chain

#: the steps of `verify_chain` (and the order check), in words
STEPS = {
    "commitment": "揭示的种子经 SHA-256 计算等于抽取前公布的承诺值",
    "order": "承诺值在冻结名录快照之前已记录",
    "snapshot": "名录快照（规范 JSON）的 SHA-256 等于记录的摘要",
    "result": "用种子和快照重新抽取，结果与公布的抽取结果一致",
}
#: directory rows shown on the page (the whole snapshot is in the JSON record)
DIRECTORY_ROWS = 100


def public_record(services: Any, campaign_id: str) -> dict[str, Any] | None:
    """The public draw record as the API answers it (with the order flag per attempt); None when
    there is no such campaign."""
    row = services.view("spot_checks").campaign(campaign_id)
    if row is None:
        return None
    record = services.app.spot_check_draw_record(campaign_id)
    disclosed = visibility(row, None, services.app.today()) == "public"
    attempts = []
    for attempt in record["attempts"]:
        ordered = bool(attempt.get("committed_at") and attempt.get("drawn_at")
                       and attempt["committed_at"] < attempt["drawn_at"])
        entry = {k: v for k, v in attempt.items() if k not in ("committed_at", "drawn_at")}
        if not disclosed:
            entry.update(dict.fromkeys(_UNTIL_VISIT))
        entry["ordered"] = ordered
        attempts.append(entry)
    return {"campaign_id": campaign_id, "name": row["name"], "kind": row["kind"], "agencies": row["agencies"],
            "protocol": f"{DRAW_PROTOCOL.id}/{DRAW_PROTOCOL.version}", "disclosed": disclosed,
            "attempts": attempts}


def _checked(attempt: dict[str, Any], published: set[str]) -> dict[str, Any]:
    """One disclosed attempt: the chain's steps in words, the re-run's facilities beside the record's."""
    chain = verify_chain(attempt)
    steps = [{"step": s["step"], "ok": s["ok"], "words": STEPS.get(s["step"], s["step"]),
              "detail": s["detail"]} for s in chain["steps"]]
    steps.insert(1, {"step": "order", "ok": attempt["ordered"], "words": STEPS["order"], "detail": ""})
    snapshot = attempt.get("snapshot") or {}
    try:
        rerun = draw(DrawInputs.from_record({**snapshot, "seed": attempt["seed"],
                                             "algorithm": attempt["algorithm"]}))
        again = {f["uscc"]: f for f in rerun["facilities"]}
        rerun_error = None
    except (DomainError, KeyError, TypeError, ValueError) as exc:
        again, rerun_error = {}, str(getattr(exc, "message", exc))
    recorded = (attempt.get("result") or {}).get("facilities", [])
    rows = [{"uscc": f["uscc"], "level": f.get("level"), "inspectors": list(f.get("inspectors", [])),
             "rerun_inspectors": list(again.get(f["uscc"], {}).get("inspectors", [])),
             "match": again.get(f["uscc"], {}).get("inspectors") == f.get("inspectors")
             and again.get(f["uscc"], {}).get("level") == f.get("level"),
             "published": f["uscc"] in published} for f in recorded]
    extra = sorted(set(again) - {f["uscc"] for f in recorded})
    directory = snapshot.get("directory", [])
    return {
        **{k: attempt.get(k) for k in ("attempt", "status", "commitment", "committed_on", "reason",
                                       "drawn_on", "seed", "algorithm", "snapshot_digest", "visit_on")},
        "steps": steps,
        "verified": all(s["ok"] for s in steps),
        "differences": chain["differences"] + ([] if attempt["ordered"] else ["order"]),
        "rerun_error": rerun_error,
        "directory_size": len(directory),
        "directory_levels": sorted(Counter(level for _, level in directory).items()),
        "directory": directory[:DIRECTORY_ROWS],
        "pool_size": len(snapshot.get("pool", [])),
        "ratios_percent": snapshot.get("ratios_percent", {}),
        "facilities": rows,
        "extra": extra,
    }


def verification(services: Any, campaign_id: str) -> dict[str, Any] | None:
    """The page's data: the record, and each disclosed drawn attempt checked; None for no campaign."""
    record = public_record(services, campaign_id)
    if record is None:
        return None
    spot = services.view("spot_checks")
    published = {r["uscc"] for r in spot.inspection_list(campaign_id) if r.get("status") == "published"}
    record["checked"] = [_checked(a, published) for a in record["attempts"]
                         if record["disclosed"] and a.get("seed") and a.get("snapshot") is not None]
    record["published"] = len(published)
    return record
