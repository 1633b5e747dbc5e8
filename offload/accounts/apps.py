from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People and their roles: users, memberships in providers, MSPs and clients, API tokens."""

    name = "offload.accounts"
    label = "accounts"
    verbose_name = "Accounts"
