from django.urls import include, path

from offload.console import kb_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("acting/switch/", views.switch_membership, name="switch_membership"),
    path("noc/", views.noc_queue, name="noc_queue"),
    path("agents/", views.agents, name="agents"),
    path("settings/", views.msp_settings, name="msp_settings"),
    path("kb/", kb_views.article_list, name="kb_article_list"),
    path("kb/new/", kb_views.article_create, name="kb_article_create"),
    path("kb/<int:article_id>/edit/", kb_views.article_edit, name="kb_article_edit"),
    path("kb/<int:article_id>/delete/", kb_views.article_delete, name="kb_article_delete"),
    path("", include("offload.tenancy.urls")),
]
