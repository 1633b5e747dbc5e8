"""The URLconf of a request on an MSP's portal host name: the portal at the root, nothing of the console.

allauth's own views are not mounted here: their templates and redirects belong to the console (and
name it). The account pages a client needs are the portal's branded ones (offload.portal.urls, at
allauth's paths); every other accounts/ address leads to the branded equivalent or the portal home.
"""

from django.urls import include, path, re_path
from django.views.generic import RedirectView

from offload.portal import account_views, views

urlpatterns = [
    # Named like allauth's routes because allauth's sign-in flow reverses these names.
    path("accounts/login/", RedirectView.as_view(pattern_name="portal:sign_in"), name="account_login"),
    path("accounts/2fa/authenticate/", views.PortalAuthenticateView.as_view(), name="mfa_authenticate"),
    path("", include("offload.portal.urls")),
    re_path(r"^accounts/(?P<rest>.*)$", account_views.other_account_page),
    # Never reached ("/" is the portal home above); lets LOGIN_REDIRECT_URL = "home" resolve here.
    path("", views.home, name="home"),
]
