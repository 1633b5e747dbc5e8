"""Bounded input types: every string has a length limit, every number a range.

Text must not contain NUL (PostgreSQL refuses it in text columns); the pattern says so in the
schema, so clients and schema-driven fuzzers know it up front.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

# A database id: positive, and small enough for a 64-bit integer column on every backend.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

NO_NUL = r"^[^\u0000]*$"
# Single-line text: no control characters at all.
SINGLE_LINE = r"^[^\u0000-\u001f\u007f]*$"


def text(max_length: int, *, min_length: int = 0, multiline: bool = False) -> type[str]:
    """A bounded string type for inputs (`multiline` allows newlines and tabs)."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(
            max_length=max_length, min_length=min_length, pattern=NO_NUL if multiline else SINGLE_LINE
        ),
    ]


SearchQuery = Annotated[
    str,
    StringConstraints(max_length=100, pattern=SINGLE_LINE),
    Field(description="Case-insensitive search text."),
]
Limit = Annotated[int, Field(ge=1, le=200, description="Rows per page (1-200).")]
Cursor = Annotated[
    str,
    StringConstraints(max_length=500, pattern=r"^[A-Za-z0-9_\-=]*$"),
    Field(description="Opaque cursor from a previous page's `next_cursor`."),
]
