"""Fixtures of the standing-instruction tests."""

from __future__ import annotations
