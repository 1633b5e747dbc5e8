"""Helpers every source normaliser shares: JSON and model validation, time, hosts, severities,
fingerprints and bounded text."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any
from urllib.parse import urlsplit

import pydantic_core
from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError

from offload.alerts.normalize.types import AlertPayloadError, HostRef, Limits, Severity

Scalar = str | int | float | bool | None


def _check_scalar(value: object) -> Scalar:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("should be a string, number, boolean or null")


# A JSON scalar, validated as one type so an error names the field, not every union member.
ScalarField = Annotated[Scalar, PlainValidator(_check_scalar)]


class Payload(BaseModel):
    """Base of every inbound model: unknown fields are ignored, so newer senders keep working."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def parse_json(body: bytes | str, *, limits: Limits, what: str) -> Any:
    """Decode a JSON body within the size bound; pydantic's parser also bounds nesting depth."""
    size = len(body.encode() if isinstance(body, str) else body)
    if size > limits.max_body_bytes:
        raise AlertPayloadError(
            f"{what} payload is {size} bytes, more than the {limits.max_body_bytes} allowed",
            code="too_large",
        )
    if not body.strip():
        raise AlertPayloadError(f"{what} payload is empty", code="invalid_json")
    try:
        return pydantic_core.from_json(body)
    except ValueError as exc:
        raise AlertPayloadError(f"{what} payload is not valid JSON: {exc}", code="invalid_json") from None


def validate[M: BaseModel](model: type[M], data: object, *, what: str, at: str = "") -> M:
    """Validate `data` as `model`, turning pydantic's error into AlertPayloadError with its details.

    `at` is where `data` sits in the whole body (e.g. "alerts.3"), for the message.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = exc.errors(include_url=False, include_input=False, include_context=False)
        first = details[0]
        where = ".".join([at] * bool(at) + [str(part) for part in first["loc"]]) or "(body)"
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        raise AlertPayloadError(
            f"{what} payload is invalid: {where}: {first['msg']}{more}",
            code="invalid_payload",
            details=[dict(d) for d in details[:20]],
        ) from None


# ---- text -------------------------------------------------------------------------------------


def clip(text: str, limit: int, what: str, problems: list[str]) -> str:
    """Bound a string and drop NUL characters (PostgreSQL text cannot hold them)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
        problems.append(f"{what}: NUL characters removed")
    if len(text) > limit:
        problems.append(f"{what}: truncated from {len(text)} to {limit} characters")
        text = text[:limit]
    return text


def scalar_text(value: Scalar) -> str:
    """A label value as text, the way the sender would print it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def clean_labels(
    raw: Mapping[str, Scalar] | None,
    *,
    limits: Limits,
    what: str,
    problems: list[str],
    value_limit: int | None = None,
) -> dict[str, str]:
    """Labels as str → str within the count and length bounds; the first ones (by name) are kept."""
    if not raw:
        return {}
    value_limit = value_limit or limits.max_label_value
    if len(raw) <= limits.max_labels:
        # The common case (string labels within bounds) without per-label calls: storms are hot.
        labels: dict[str, str] = {}
        for name, value in raw.items():
            if (
                type(value) is not str
                or len(value) > value_limit
                or len(name) > limits.max_label_name
                or "\x00" in value
                or "\x00" in name
            ):
                break
            labels[name] = value
        else:
            return labels
    names = sorted(raw)
    if len(names) > limits.max_labels:
        problems.append(f"{what}: {len(names) - limits.max_labels} of {len(names)} dropped (too many)")
        names = names[: limits.max_labels]
    labels = {}
    for name in names:
        key = clip(name, limits.max_label_name, f"{what} name", problems)
        labels[key] = clip(scalar_text(raw[name]), value_limit, f"{what} {key!r}", problems)
    return labels


def first_present(*values: str | None) -> str | None:
    """The first value that is not None or blank."""
    for value in values:
        if value is not None and value.strip():
            return value
    return None


# ---- time -------------------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?\s*$",
    re.ASCII,
)
_EPOCH_MS_THRESHOLD = 100_000_000_000  # larger epoch numbers are milliseconds (year 5138+ in s)


def parse_time(value: Scalar, what: str, problems: list[str]) -> datetime | None:
    """An aware UTC datetime from RFC 3339 (any precision, any offset) or epoch seconds/ms.

    Go's zero time (year 1, Alertmanager's "not ended") and unparseable values give None; the
    latter also a problem. A time without an offset is taken as UTC (a problem too).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(value, what, problems)
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return _from_epoch(int(text), what, problems)
    if len(text) > 64:
        problems.append(f"{what}: unreadable time {text[:40]!r}")
        return None
    moment, problem = _parse_text_time(text)
    if problem:
        problems.append(f"{what}: {problem}")
    return moment


@functools.lru_cache(maxsize=4096)
def _parse_text_time(text: str) -> tuple[datetime | None, str | None]:
    """RFC 3339 text → (UTC time or None, problem or None); cached, as a batch repeats its times."""
    match = _RFC3339.match(text)
    if not match:
        return None, f"unreadable time {text[:40]!r}"
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if int(year) <= 1:
        return None, None
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    problem = None
    if offset is None:
        problem = "time without UTC offset, taken as UTC"
        tz = UTC
    elif offset in ("Z", "z", "UTC"):
        tz = UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        try:
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        except ValueError:
            return None, f"impossible UTC offset {offset!r}"
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59), micro, tzinfo=tz
        )
        return moment.astimezone(UTC), problem
    except (ValueError, OverflowError):
        return None, f"impossible time {text[:40]!r}"


def _from_epoch(value: float, what: str, problems: list[str]) -> datetime | None:
    if value != value or value <= 0:  # NaN or not a real moment
        problems.append(f"{what}: impossible epoch time {value!r}")
        return None
    seconds = value / 1000 if value >= _EPOCH_MS_THRESHOLD else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        problems.append(f"{what}: impossible epoch time {value!r}")
        return None


# ---- hosts ------------------------------------------------------------------------------------

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def normalize_host(raw: str | None, problems: list[str]) -> HostRef | None:
    """A host name or IP from an instance label, URL or `host:port`, ready for asset matching."""
    if raw is None:
        return None
    text = raw.strip()[:2048]
    if not text:
        return None
    host, problem = _read_host(text)
    if problem:
        problems.append(problem)
    return host


@functools.lru_cache(maxsize=4096)
def _read_host(text: str) -> tuple[HostRef | None, str | None]:
    """normalize_host's work, cached: the same instances recur in every notification."""
    candidate = _host_part(text)
    if candidate is None:
        return None, f"host: cannot read a host name from {text[:80]!r}"
    if "%" in candidate:  # an IPv6 zone id (fe80::1%eth0) says nothing about the asset
        candidate = candidate.split("%", 1)[0]
    if ":" in candidate or candidate.replace(".", "").isdecimal():  # only these can be IP addresses
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            pass
        else:
            name = address.compressed
            return HostRef(raw=text[:255], name=name, short=name, is_ip=True), None
    invalid = f"host: not a valid host name {text[:80]!r}"
    name = candidate.rstrip(".").lower()
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None, invalid
    if len(name) > 253 or not all(_HOST_LABEL.match(label) for label in name.split(".")):
        return None, invalid
    return HostRef(raw=text[:255], name=name, short=name.split(".", 1)[0]), None


def _host_part(text: str) -> str | None:
    """Strip scheme, credentials, path and port; None when nothing host-like remains."""
    if "://" in text:
        try:
            return urlsplit(text).hostname or None
        except ValueError:
            return None
    text = text.split("/", 1)[0].rsplit("@", 1)[-1]
    if text.startswith("["):
        end = text.find("]")
        return text[1:end] if end > 1 else None
    if text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text or None


# ---- severities -------------------------------------------------------------------------------

_SEVERITY_WORDS: dict[str, Severity] = {}
for _severity, _words in (
    (Severity.CRITICAL, "critical crit disaster emergency emerg fatal page p1 sev1 alert 5"),
    (Severity.HIGH, "high major error err severe p2 sev2 4"),
    (Severity.WARNING, "warning warn average minor medium moderate p3 sev3 3 2"),
    (Severity.INFO, "info information informational low notice debug none ok p4 p5 sev4 sev5 1 0"),
):
    for _word in _words.split():
        _SEVERITY_WORDS[_word] = _severity
_SEVERITY_WORDS["not classified"] = Severity.INFO


def map_severity(value: str | None, *, default: Severity, problems: list[str]) -> Severity:
    """Offload's severity for a tool's word (critical, Disaster, P2, warn...); unknown → default."""
    if value is None or not value.strip():
        return default
    found = _SEVERITY_WORDS.get(value.strip().lower())
    if found is None:
        problems.append(f"severity: unknown value {value[:40]!r}, taken as {default.value}")
        return default
    return found


# ---- fingerprints -----------------------------------------------------------------------------

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK64 = (1 << 64) - 1


def labelset_fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's own fingerprint of a label set (Prometheus `model.LabelSet.Fingerprint`:
    FNV-1a 64 over the sorted names and values, each followed by a 0xff byte), as 16 hex digits.

    Derived fingerprints thus equal what a newer Alertmanager would have sent for the same alert.
    """
    return _fingerprint_of(tuple(sorted(labels.items())))


@functools.lru_cache(maxsize=8192)
def _fingerprint_of(items: tuple[tuple[str, str], ...]) -> str:
    """FNV-1a over sorted (name, value) pairs; cached, as Alertmanager resends the same alerts."""
    digest = _FNV_OFFSET
    for name, value in items:
        for part in (name, value):
            for byte in part.encode():
                digest = ((digest ^ byte) * _FNV_PRIME) & _MASK64
            digest = ((digest ^ 0xFF) * _FNV_PRIME) & _MASK64
    return f"{digest:016x}"


def derived_key(*parts: Scalar) -> str:
    """A stable key from parts that have no natural identifier (sha256, 32 hex digits)."""
    joined = "\x1f".join(scalar_text(p) for p in parts)
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def bounded_key(text: str, limits: Limits, what: str, problems: list[str]) -> str:
    """A key (fingerprint, condition, group) within max_key that stays unique: an overlong one keeps
    its start and gets a hash of the whole appended, so two long keys never collide by truncation."""
    if "\x00" in text:
        text = text.replace("\x00", "")
        problems.append(f"{what}: NUL characters removed")
    if len(text) <= limits.max_key:
        return text
    problems.append(f"{what}: {len(text)} characters, shortened with a hash")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    keep = max(limits.max_key - len(digest) - 1, 0)
    return f"{text[:keep]}~{digest}" if keep else digest[: limits.max_key]


def join_key(*parts: str | None) -> str:
    """A readable colon-joined key (condition keys), with empty parts dropped."""
    return ":".join(p for p in parts if p)
