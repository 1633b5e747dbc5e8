"""Every model change has its migration (a missing one would break the next deployment's migrate)."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    """makemigrations finds nothing to do, and finds the same on every run (no unordered sets in models)."""
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"models differ from their migrations (exit {exit_.code}):\n{out.getvalue()}")
