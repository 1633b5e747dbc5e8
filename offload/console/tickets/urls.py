"""Staff ticket pages, mounted by the console at /tickets/."""

from django.urls import path

from offload.console.tickets import views

app_name = "tickets"

urlpatterns = [
    path("tickets/", views.queue, name="queue"),
    path("tickets/bulk/", views.bulk_action, name="bulk"),
    path("tickets/call/", views.call, name="call"),
    path("tickets/call/lookup/", views.call_lookup, name="call_lookup"),
    path("tickets/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("tickets/<str:reference>/", views.detail, name="detail"),
    path("tickets/<str:reference>/reply/", views.reply, name="reply"),
    path("tickets/<str:reference>/transition/", views.transition, name="transition"),
    path("tickets/<str:reference>/assign/", views.assign, name="assign"),
    path("tickets/<str:reference>/watch/", views.watch, name="watch"),
    path("tickets/<str:reference>/merge/", views.merge, name="merge"),
    path("tickets/<str:reference>/split/", views.split, name="split"),
]
