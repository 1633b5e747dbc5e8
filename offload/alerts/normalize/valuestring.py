"""Grafana's older `valueString` ("[ var='B' labels={instance=a} value=1.5 ], [ ... ]"), parsed
into the `values` map newer Grafana sends."""

from __future__ import annotations

import re

MAX_VALUES = 32
_ITEM = re.compile(
    r"\[\s*(?:var='(?P<var>[^']{0,200})'\s*)?(?:metric='(?P<metric>[^']{0,500})'\s*)?"
    r"(?:labels=\{(?P<labels>[^}]{0,2000})\}\s*)?value=(?P<value>[^\s\]]{0,64})\s*\]"
)


def parse_value_string(text: str) -> tuple[dict[str, float | None], list[str]]:
    """The values keyed by their query variable (or metric, or position); unreadable → problems."""
    values: dict[str, float | None] = {}
    problems: list[str] = []
    for index, match in enumerate(_ITEM.finditer(text[:20000])):
        if index >= MAX_VALUES:
            problems.append(f"valueString: only the first {MAX_VALUES} values kept")
            break
        key = match["var"] or match["metric"] or str(index)
        raw = match["value"]
        try:
            values[key] = float(raw)
        except ValueError:
            values[key] = None
            if raw not in ("null", "<nil>"):
                problems.append(f"valueString: unreadable value {raw[:20]!r} for {key[:40]!r}")
    if not values and text.strip():
        problems.append("valueString: no values could be read")
    return values, problems
