"""Forms of the staff ticket pages. They only parse input; the services decide and refuse."""

from __future__ import annotations

from typing import Any

from django import forms

from offload.servicedesk.choices import Priority, Transition, WorkType
from offload.servicedesk.services.time import MAX_MINUTES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked against the limits by the service."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


# What a reply may also do to the ticket's status, in one step ("reply and wait on the client").
THEN_CHOICES = [
    ("", "Keep status"),
    (Transition.START_WORK, "In progress"),
    (Transition.WAIT_ON_CLIENT, "Waiting on client"),
    (Transition.WAIT_ON_VENDOR, "Waiting on vendor"),
    (Transition.RESOLVE, "Resolved"),
]


class TimeFields(forms.Form):
    """Time logged with a message: minutes, billable, work type and a note for the invoice."""

    minutes = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_MINUTES, label="Minutes",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}),
    )  # fmt: skip
    is_billable = forms.BooleanField(required=False, initial=True, label="Billable")
    work_type = forms.ChoiceField(
        choices=WorkType.choices, initial=WorkType.REMOTE_SUPPORT, label="Work type"
    )
    time_note = forms.CharField(required=False, max_length=5000, label="Time note")


class ReplyForm(TimeFields):
    """A public reply or an internal note, with files and the time it took."""

    kind = forms.ChoiceField(choices=[("reply", "Reply"), ("note", "Internal note")], initial="reply")
    body = forms.CharField(
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Write a reply…"}),
        label="Message",
    )
    attachments = MultipleFileField(required=False, label="Attach files")
    then = forms.ChoiceField(choices=THEN_CHOICES, required=False, label="Then set")


class CallForm(TimeFields):
    """A phone call: who called (found by number), and either a new ticket or an existing one."""

    phone = forms.CharField(max_length=40, required=False, label="Caller's number")
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    ticket = forms.IntegerField(required=False, label="Add to ticket")
    subject = forms.CharField(max_length=300, required=False, label="Subject")
    priority = forms.ChoiceField(choices=[("", "Auto (matrix)"), *Priority.choices], required=False)
    kind = forms.ChoiceField(choices=[("note", "Internal note"), ("reply", "Public reply")], initial="note")
    body = forms.CharField(
        max_length=200_000, widget=forms.Textarea(attrs={"rows": 4}), label="What the caller said"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("contact"):
            self.add_error("phone", "Find the caller by number first.")
        if not data.get("ticket") and not (data.get("subject") or "").strip():
            self.add_error("subject", "A new ticket needs a subject (or choose an open ticket).")
        return data
