"""The URLconf of a request on an MSP's portal host name: the portal at the root, nothing of the console.

allauth's pages stay reachable because its flows continue there (second factor, password reset).
"""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("", include("offload.portal.urls")),
]
