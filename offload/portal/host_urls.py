"""The URLconf of a request on an MSP's portal host name: the portal at the root, nothing of the console.

allauth's pages stay reachable because its flows continue there (password reset, second factor).
Those a client meets while signing in are served in the brand at allauth's own paths, ahead of
allauth's views, so that allauth's redirects land on them and no unbranded page shows.
"""

from django.urls import include, path
from django.views.generic import RedirectView

from offload.portal import views

urlpatterns = [
    path("accounts/login/", RedirectView.as_view(pattern_name="portal:sign_in")),
    path("accounts/2fa/authenticate/", views.PortalAuthenticateView.as_view(), name="mfa_authenticate"),
    path("accounts/", include("allauth.urls")),
    path("", include("offload.portal.urls")),
]
