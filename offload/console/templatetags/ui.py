"""Small template helpers for rendering Django forms with Bootstrap classes."""

from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def is_checkbox(bound_field: forms.BoundField) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.filter
def bs(bound_field: forms.BoundField) -> SafeString:
    """The field's widget with Bootstrap's class, marked invalid when the field has errors."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def startswith(value: object, prefix: str) -> bool:
    return str(value or "").startswith(prefix)


@register.filter
def organisation(membership) -> str:
    """The name of the organisation a membership belongs to (provider or MSP)."""
    if membership is None:
        return ""
    if membership.provider_id:
        return membership.provider.name
    return membership.msp.name if membership.msp_id else ""
