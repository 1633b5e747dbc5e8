from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Offload's accounts are created by staff and the demo loader, never by open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
