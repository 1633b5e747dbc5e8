from django.db import models


class AgreementService(models.TextChoices):
    HELP_DESK = "help_desk", "Help desk"
    NOC_MONITORING = "noc_monitoring", "NOC monitoring"
    PROJECT_EXECUTION = "project_execution", "Project execution"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    ENDED = "ended", "Ended"


class AssetKind(models.TextChoices):
    WORKSTATION = "workstation", "Workstation"
    LAPTOP = "laptop", "Laptop"
    SERVER = "server", "Server"
    VIRTUAL_MACHINE = "virtual_machine", "Virtual machine"
    NETWORK = "network", "Network device"
    FIREWALL = "firewall", "Firewall"
    PRINTER = "printer", "Printer"
    PHONE = "phone", "Phone"
    STORAGE = "storage", "Storage"
    CLOUD = "cloud", "Cloud service"
    OTHER = "other", "Other"
