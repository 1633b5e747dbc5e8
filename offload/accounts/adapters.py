from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Offload's accounts are created by staff and the demo loader, never by open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class MFAAdapter(DefaultMFAAdapter):
    """Names the MSP's brand, not Offload, in a client's authenticator app when set up on a portal."""

    def get_totp_issuer(self) -> str:
        # The portal middleware (or the path portal's view) annotates the request with `portal`.
        portal = getattr(context.request, "portal", None)
        if portal is not None:
            return portal.brand.name
        return super().get_totp_issuer()
