from django.urls import include, path

from offload.console import kb_views, noc_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("acting/switch/", views.switch_membership, name="switch_membership"),
    path("noc/", noc_views.noc_queue, name="noc_queue"),
    path("noc/assign-next/", noc_views.assign_next, name="noc_assign_next"),
    path("noc/delegations/<int:delegation_id>/claim/", noc_views.claim, name="noc_claim"),
    path("noc/delegations/<int:delegation_id>/release/", noc_views.release, name="noc_release"),
    path("noc/delegations/<int:delegation_id>/escalate/", noc_views.escalate, name="noc_escalate"),
    path("noc/agents/", noc_views.agents, name="agents"),
    path("noc/agents/<int:membership_id>/", noc_views.agent_edit, name="noc_agent_edit"),
    path("noc/skills/", noc_views.skill_create, name="noc_skill_create"),
    path("noc/skills/<int:skill_id>/delete/", noc_views.skill_delete, name="noc_skill_delete"),
    path("agents/", noc_views.agents, name="agents_short"),
    path("instructions/", noc_views.instruction_list, name="noc_instruction_list"),
    path("instructions/new/", noc_views.instruction_create, name="noc_instruction_create"),
    path("instructions/<int:instruction_id>/", noc_views.instruction_detail, name="noc_instruction_detail"),
    path("instructions/<int:instruction_id>/edit/", noc_views.instruction_edit, name="noc_instruction_edit"),
    path(
        "instructions/<int:instruction_id>/active/",
        noc_views.instruction_set_active,
        name="noc_instruction_set_active",
    ),
    path(
        "tickets/<int:ticket_id>/instructions/<int:instruction_id>/acknowledge/",
        noc_views.instruction_acknowledge,
        name="noc_instruction_acknowledge",
    ),
    path("settings/", views.msp_settings, name="msp_settings"),
    path("kb/", kb_views.article_list, name="kb_article_list"),
    path("kb/new/", kb_views.article_create, name="kb_article_create"),
    path("kb/<int:article_id>/edit/", kb_views.article_edit, name="kb_article_edit"),
    path("kb/<int:article_id>/delete/", kb_views.article_delete, name="kb_article_delete"),
    path("", include("offload.tenancy.urls")),
    path("", include("offload.console.tickets.urls")),
]
