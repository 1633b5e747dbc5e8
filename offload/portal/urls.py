"""A portal's pages. Mounted at /portal/<portal_slug>/ by the root URLconf, and at "/" on portal hosts.

The account pages a client needs (password reset and change, authenticator setup) sit at allauth's
own paths under accounts/, so that on a portal host the familiar addresses show the branded page.
"""

from django.urls import path, re_path

from offload.portal import account_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("logo", views.logo, name="logo"),
    path("favicon", views.favicon, name="favicon"),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path("accounts/password/reset/done/", account_views.password_reset_done, name="password_reset_done"),
    path(
        "accounts/password/reset/key/done/",
        account_views.password_reset_from_key_done,
        name="password_reset_from_key_done",
    ),
    re_path(
        r"^accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        account_views.PortalPasswordResetFromKeyView.as_view(),
        name="password_reset_from_key",
    ),
    path("accounts/password/change/", account_views.password_change, name="password_change"),
    path("accounts/2fa/totp/activate/", account_views.totp_activate, name="totp_activate"),
]
