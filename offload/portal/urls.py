"""A portal's pages. Mounted at /portal/<portal_slug>/ by the root URLconf, and at "/" on portal hosts.

The account pages a client needs (password reset and change, authenticator setup) sit at allauth's
own paths under accounts/, so that on a portal host the familiar addresses show the branded page.
"""

from django.urls import path, re_path

from offload.portal import account_views, kb_views, link_views, ticket_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("sign-in/link/", link_views.sign_in_link, name="sign_in_link"),
    path("sign-in/link/sent/", link_views.sign_in_link_sent, name="sign_in_link_sent"),
    path("sign-in/link/<str:token>/", link_views.sign_in_with_link, name="sign_in_with_link"),
    path("tickets/", ticket_views.ticket_list, name="ticket_list"),
    path("tickets/new/", ticket_views.ticket_new, name="ticket_new"),
    path("tickets/<str:reference>/", ticket_views.ticket_detail, name="ticket_detail"),
    path("tickets/<str:reference>/reply/", ticket_views.ticket_reply, name="ticket_reply"),
    path("tickets/<str:reference>/status/", ticket_views.ticket_status, name="ticket_status"),
    path("tickets/<str:reference>/follow/", ticket_views.ticket_follow, name="ticket_follow"),
    path("tickets/<str:reference>/rate/", ticket_views.ticket_rate, name="ticket_rate"),
    path(
        "tickets/<str:reference>/files/<int:attachment_id>/",
        ticket_views.ticket_attachment,
        name="ticket_attachment",
    ),
    path("kb/", kb_views.kb_list, name="kb_list"),
    path("kb/<int:article_id>/", kb_views.kb_article, name="kb_article"),
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
