"""Forms of the portal's ticket, knowledge base and sign-in-link pages, in an end user's words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from offload.servicedesk.choices import Impact, Urgency
from offload.servicedesk.models import Category
from offload.servicedesk.services.entries import attachment_limits, clean_filename
from offload.tenancy.models import Contact

# Impact and urgency in the words of someone asking for help, not the ITIL names.
IMPACT_CHOICES = [
    (Impact.LOW, "Just me"),
    (Impact.MEDIUM, "Several people or my team"),
    (Impact.HIGH, "The whole company"),
]
URGENCY_CHOICES = [
    (Urgency.LOW, "It can wait"),
    (Urgency.MEDIUM, "It slows my work down"),
    (Urgency.HIGH, "I cannot work"),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files, each within the service desk's size limit and together within its count."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        max_bytes, max_count = attachment_limits()
        if len(files) > max_count:
            raise forms.ValidationError(f"You can attach at most {max_count} files to one message.")
        errors = []
        for upload in files:
            name = clean_filename(upload.name or "")
            if not upload.size:
                errors.append(f"{name} is empty.")
            elif upload.size > max_bytes:
                errors.append(f"{name} is larger than {human_size(max_bytes)}.")
        if errors:
            raise forms.ValidationError(errors)
        return files


def human_size(size: int) -> str:
    """1.5 MB, 20 KB, 300 bytes."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


class NewTicketForm(forms.Form):
    subject = forms.CharField(max_length=300, label="Subject", help_text="A few words: what is wrong?")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Description",
        max_length=50_000,
        help_text="What happened, when, and what you have tried.",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        required=False,
        empty_label="Not sure",
        label="Category",
    )
    impact = forms.ChoiceField(choices=IMPACT_CHOICES, initial=Impact.LOW, label="Who is affected?")
    urgency = forms.ChoiceField(choices=URGENCY_CHOICES, initial=Urgency.MEDIUM, label="How urgent is it?")
    attachments = AttachmentsField(label="Attachments")

    def __init__(self, *args: Any, msp_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Category.objects.filter(msp_id=msp_id, is_active=True).order_by("path")


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Your reply", max_length=50_000)
    attachments = AttachmentsField(label="Attachments")


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(5, "Excellent"), (4, "Good"), (3, "Okay"), (2, "Poor"), (1, "Very poor")],
        coerce=int,
        widget=forms.RadioSelect,
        label="How did we do?",
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000, label="Anything to add?"
    )


class RequesterFilterForm(forms.Form):
    """A client admin's filter of the ticket list: by requester and open/closed."""

    requester = forms.ModelChoiceField(queryset=Contact.objects.all(), required=False, empty_label="Everyone")
    state = forms.ChoiceField(
        choices=[("open", "Open"), ("done", "Resolved and closed"), ("all", "All")], required=False
    )

    def __init__(self, *args: Any, client_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["requester"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Contact.objects.filter(client_id=client_id).order_by("last_name", "first_name")
            if client_id is not None
            else Contact.objects.filter(pk__in=[])
        )


class SignInLinkForm(forms.Form):
    email = forms.EmailField(label="Email address")


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
