"""Compare a ParsedMessage with one case's expectations (the mini-language of make_corpus.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

_INDEX = re.compile(r"^(\w+)\[(\d+|\*)\]$")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def resolve(obj: Any, path: str) -> Any:
    """Follow a dotted path with [i] and [*] steps ("attachments[*].filename")."""
    values = [obj]
    spread = False
    for step in path.split("."):
        match = _INDEX.match(step)
        name = match.group(1) if match else step
        nxt = []
        for value in values:
            item = getattr(value, name)
            if match and match.group(2) == "*":
                nxt.extend(item)
                spread = True
            elif match:
                nxt.append(item[int(match.group(2))])
            else:
                nxt.append(item)
        values = nxt
    return values if spread else values[0]


def mismatches(parsed: Any, expect: dict[str, Any]) -> list[str]:
    """Human-readable differences; empty when every expectation holds."""
    errors = []
    for key, wanted in expect.items():
        op = next((suffix for suffix in ("!~", "~", "#", "^") if key.endswith(suffix)), "")
        path = key[: -len(op)] if op else key
        try:
            actual = resolve(parsed, path)
        except (AttributeError, IndexError, TypeError) as exc:
            errors.append(f"{path}: cannot read ({exc})")
            continue
        wanted_list = wanted if isinstance(wanted, list) else [wanted]
        if op == "~":
            haystack = "\n".join(actual) if isinstance(actual, list) else str(actual)
            missing = [w for w in wanted_list if w not in haystack]
            if missing:
                errors.append(f"{path} lacks {missing!r}; is {_short(actual)}")
        elif op == "!~":
            haystack = "\n".join(actual) if isinstance(actual, list) else str(actual)
            present = [w for w in wanted_list if w in haystack]
            if present:
                errors.append(f"{path} must not contain {present!r}; is {_short(actual)}")
        elif op == "#":
            if len(actual) != wanted:
                errors.append(f"len({path}) is {len(actual)}, expected {wanted}; is {_short(actual)}")
        elif op == "^":
            if not str(actual).startswith(wanted) or not actual:
                errors.append(f"{path} should start with {wanted!r}; is {_short(actual)}")
        elif _plain(actual) != wanted:
            errors.append(f"{path} is {_short(_plain(actual))}, expected {wanted!r}")
    return errors


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 400 else text[:400] + "…"
