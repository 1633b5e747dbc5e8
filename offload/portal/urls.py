"""A portal's pages. Mounted at /portal/<portal_slug>/ by the root URLconf, and at "/" on portal hosts."""

from django.urls import path

from offload.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("logo", views.logo, name="logo"),
    path("favicon", views.favicon, name="favicon"),
]
