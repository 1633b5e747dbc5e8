from django.urls import include, path

from offload.console import views

urlpatterns = [
    path("", views.home, name="home"),
    path("acting/switch/", views.switch_membership, name="switch_membership"),
    path("noc/", views.noc_queue, name="noc_queue"),
    path("agents/", views.agents, name="agents"),
    path("settings/", views.msp_settings, name="msp_settings"),
    path("", include("offload.tenancy.urls")),
]
