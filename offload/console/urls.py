from django.urls import path

from offload.console import views

urlpatterns = [path("", views.home, name="home")]
