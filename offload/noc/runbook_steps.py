"""Runbook steps: the shape of one step and its validation (pure)."""

from __future__ import annotations

from typing import Any

from offload.core.errors import DomainError

EVIDENCE_KINDS = ("none", "note", "attachment")
MAX_STEPS = 100


def clean_steps(raw: Any) -> list[dict[str, Any]]:
    """Steps as stored: [{"title", "instructions", "evidence", "required"}]; DomainError if malformed."""
    if not isinstance(raw, list) or not raw:
        raise DomainError("A runbook needs at least one step.", code="invalid", field="steps")
    if len(raw) > MAX_STEPS:
        raise DomainError(f"A runbook has at most {MAX_STEPS} steps.", code="invalid", field="steps")
    steps = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise DomainError(f"Step {number} is not an object.", code="invalid", field="steps")
        title = " ".join(str(item.get("title", "")).split())[:200]
        if not title:
            raise DomainError(f"Step {number} needs a title.", code="invalid", field="steps")
        evidence = str(item.get("evidence", "none"))
        if evidence not in EVIDENCE_KINDS:
            raise DomainError(
                f"Step {number}: evidence must be one of {', '.join(EVIDENCE_KINDS)}.",
                code="invalid",
                field="steps",
            )
        steps.append(
            {
                "title": title,
                "instructions": str(item.get("instructions", ""))[:5000],
                "evidence": evidence,
                "required": bool(item.get("required", True)),
            }
        )
    return steps


def parse_steps_text(text: str) -> list[dict[str, Any]]:
    """Steps from a form's text box: one step per line; "[note]" or "[file]" asks for evidence,
    a leading "?" makes the step optional, and "Title :: instructions" adds instructions."""
    raw = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        required = not line.startswith("?")
        line = line.lstrip("?").strip()
        evidence = "none"
        for marker, kind in (("[note]", "note"), ("[file]", "attachment")):
            if marker in line:
                evidence = kind
                line = line.replace(marker, "").strip()
        title, _, instructions = line.partition("::")
        raw.append(
            {
                "title": title.strip(),
                "instructions": instructions.strip(),
                "evidence": evidence,
                "required": required,
            }
        )
    return clean_steps(raw)


def steps_as_text(steps: list[dict[str, Any]]) -> str:
    """The inverse of parse_steps_text, for editing."""
    lines = []
    for step in steps:
        line = ("" if step.get("required", True) else "? ") + step["title"]
        if step.get("instructions"):
            line += " :: " + step["instructions"].replace("\n", " ")
        if step.get("evidence") == "note":
            line += " [note]"
        elif step.get("evidence") == "attachment":
            line += " [file]"
        lines.append(line)
    return "\n".join(lines)
