from django.http import HttpRequest


def acting(request: HttpRequest) -> dict:
    """Expose the acting identity to templates (navigation, role badges)."""
    return {"acting": getattr(request, "acting", None)}
