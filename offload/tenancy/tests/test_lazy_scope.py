"""The scope applies when a queryset is evaluated, so querysets built at import time stay safe."""

import pytest
from django import forms

from offload.accounts.acting import acting_for_user
from offload.tenancy.models import Client, Site
from offload.tenancy.scoping import ScopeError, activate

pytestmark = pytest.mark.django_db


class SiteForm(forms.ModelForm):
    """A form declared at import time, with a choice of clients, as console forms are."""

    class Meta:
        model = Site
        fields = ["client", "name"]


def test_queryset_built_outside_a_scope_is_narrowed_by_the_evaluating_scope(world):
    """A queryset made with no scope active sees only the evaluating request's rows."""
    everyone = Client.objects.all().using("default")
    with activate(acting_for_user(world.user("technician_limited")).scope):
        assert [c.name for c in everyone.all()] == ["Alpha One"]
    with pytest.raises(ScopeError):
        list(everyone)


def test_import_time_form_offers_only_the_viewers_clients(world):
    """A ModelForm's client choices, declared at import, list only the clients the viewer sees."""
    with activate(acting_for_user(world.user("msp_owner")).scope):
        labels = [label for _, label in SiteForm().fields["client"].choices][1:]
    assert labels == ["Alpha One", "Alpha Two"]
    with activate(acting_for_user(world.user("msp_owner")).scope):
        form = SiteForm(data={"client": world.clients["c1"].id, "name": "x"})
        assert not form.is_valid()
        assert "client" in form.errors
