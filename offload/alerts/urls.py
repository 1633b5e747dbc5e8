"""Webhook URLs (mounted at /hooks/alerts/ by offload/config/urls.py)."""

from django.urls import path

from offload.alerts import views

urlpatterns = [path("<slug:kind>/", views.alert_webhook, name="alert_webhook")]
