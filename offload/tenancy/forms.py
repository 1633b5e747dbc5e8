"""Forms for the staff console's client records: they validate input; services do the writes.

Choice fields get their querysets in `__init__`, inside the request's scope: a queryset built at
import time would run with no scope (and raise), and one built for another request would leak.
A record's client is chosen when it is created and never changed by editing.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from offload.tenancy.models import Asset, Client, Contact, Site


class EmailDomainsField(forms.CharField):
    """Mail domains typed as a comma- or space-separated list, stored as a JSON list."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value) -> list[str]:  # type: ignore[override]  # a list, not a str
        text = super().to_python(value) or ""
        domains = [d.strip().lower().lstrip("@") for d in text.replace(",", " ").split() if d.strip()]
        for domain in domains:
            if "." not in domain or any(c in domain for c in "/:@ "):
                raise ValidationError(f"“{domain}” is not a mail domain (like contoso.com).")
        return domains


class ClientForm(forms.ModelForm):
    email_domains = EmailDomainsField(
        required=False, help_text="Mail from these domains is matched to this client, e.g. contoso.com."
    )

    class Meta:
        model = Client
        fields = ["name", "short_name", "email_domains", "phone", "website", "notes", "is_active"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, msp_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.msp_id = msp_id

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Client.objects.filter(msp_id=self.msp_id, name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("Another client already has this name.")
        return name


class _ClientRecordForm(forms.ModelForm):
    """A record that belongs to one of the MSP's clients (site, contact, asset)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["client"]
        else:
            _choice(self, "client").queryset = Client.objects.filter(is_active=True)
        for name in ("site", "contact"):
            if name in self.fields:
                _choice(self, name).label_from_instance = _with_client  # type: ignore[method-assign]

    def chosen_client(self) -> Client | None:
        return self.cleaned_data.get("client") if not self.instance.pk else self.instance.client

    def _check_same_client(self, *names: str) -> None:
        client = self.chosen_client()
        for name in names:
            related = self.cleaned_data.get(name)
            if client is not None and related is not None and related.client_id != client.pk:
                self.add_error(name, f"This {name} belongs to another client.")

    def changes(self) -> dict:
        """The submitted values, keyed by model field, as services take them (client aside)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "client"}


def _choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def _with_client(obj) -> str:
    return f"{obj.client.name} — {obj}"


class SiteForm(_ClientRecordForm):
    class Meta:
        model = Site
        fields = ["client", "name", "address", "postal_code", "city", "country", "time_zone", "phone"]


class ContactForm(_ClientRecordForm):
    class Meta:
        model = Contact
        fields = [
            "client",
            "site",
            "first_name",
            "last_name",
            "job_title",
            "email",
            "phone",
            "mobile",
            "is_active",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "site").queryset = Site.objects.select_related("client")

    def clean(self) -> dict | None:
        cleaned = super().clean()
        self._check_same_client("site")
        return cleaned


class AssetForm(_ClientRecordForm):
    class Meta:
        model = Asset
        fields = [
            "client",
            "site",
            "contact",
            "name",
            "kind",
            "hostname",
            "serial_number",
            "manufacturer",
            "model_name",
            "operating_system",
            "ip_address",
            "is_active",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "site").queryset = Site.objects.select_related("client")
        _choice(self, "contact").queryset = Contact.objects.select_related("client")

    def clean(self) -> dict | None:
        cleaned = super().clean()
        self._check_same_client("site", "contact")
        return cleaned
