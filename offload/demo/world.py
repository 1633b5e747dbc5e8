"""The fixed facts of the demo world: names, brands, places and people.

Everything random in the demo (contact counts, which names meet, serial numbers) is drawn from
generators seeded with these names, so the same world comes out on every machine. Mail domains
use the reserved `.example` top-level domain: a demo that is pointed at a real mail server can
never write to somebody's real mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from offload.tenancy.choices import AgreementService

# Printed by `offload demo-data` and in the README: public on purpose, for demo installs only.
DEMO_PASSWORD = "offload-demo"  # noqa: S105
AGREEMENT_START = "2026-01-01"


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str

    def email_at(self, domain: str) -> str:
        return f"{ascii_local(self.first_name)}.{ascii_local(self.last_name)}@{domain}"


@dataclass(frozen=True)
class City:
    city: str
    postal_code: str
    country: str
    time_zone: str
    phone_prefix: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class ClientSpec:
    name: str
    short_name: str
    domain: str
    industry: str


@dataclass(frozen=True)
class MSPSpec:
    name: str
    slug: str
    ticket_prefix: str
    time_zone: str
    domain: str
    brand_name: str
    primary_color: str
    accent_color: str
    support_phone: str
    region: str
    services: tuple[str, ...]
    # How many of the MSP's clients the provider's agreement covers; None = every client.
    covered_clients: int | None
    owner: Person
    service_manager: Person
    technicians: tuple[Person, ...]
    finance: Person
    clients: tuple[ClientSpec, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    slug: str
    domain: str
    admin: Person
    noc_lead: Person
    noc_agents: tuple[Person, ...]


_TRANSLITERATION = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "é": "e",
        "è": "e",
        "á": "a",
        "ó": "o",
        "ñ": "n",
        "ç": "c",
        "ø": "o",
        "å": "a",
        "í": "i",
        "ł": "l",
    }
)


def ascii_local(text: str) -> str:
    """A name as the local part of a mail address: lower-case ASCII, no spaces or apostrophes."""
    lowered = text.lower().translate(_TRANSLITERATION)
    return "".join(ch for ch in lowered.replace(" ", "-") if ch.isascii() and (ch.isalnum() or ch == "-"))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(phrase.strip() for phrase in text.split(";"))


PROVIDER = ProviderSpec(
    name="Northwind NOC",
    slug="northwind-noc",
    domain="northwind-noc.example",
    admin=Person("Grace", "Holloway"),
    noc_lead=Person("Marcus", "Reyes"),
    noc_agents=(Person("Priya", "Natarajan"), Person("Tomasz", "Nowak"), Person("Aisha", "Bello")),
)

MSPS: tuple[MSPSpec, ...] = (
    MSPSpec(
        name="Bluepeak IT",
        slug="bluepeak",
        ticket_prefix="BPK",
        time_zone="America/Chicago",
        domain="bluepeak-it.example",
        brand_name="Bluepeak IT Support",
        primary_color="#1d4ed8",
        accent_color="#0b2a6f",
        support_phone="+1 312 555 0142",
        region="us",
        services=(AgreementService.HELP_DESK, AgreementService.NOC_MONITORING),
        covered_clients=None,
        owner=Person("Dana", "Whitfield"),
        service_manager=Person("Luis", "Ortega"),
        technicians=(Person("Kevin", "Brandt"), Person("Maya", "Lindqvist"), Person("Jordan", "Price")),
        finance=Person("Ruth", "Calloway"),
        clients=(
            ClientSpec("Cedar Ridge Dental", "Cedar Ridge", "cedarridgedental.example", "dental"),
            ClientSpec("Miller & Okafor LLP", "Miller Okafor", "millerokafor.example", "legal"),
            ClientSpec(
                "Prairie State Logistics", "Prairie State", "prairiestatelogistics.example", "logistics"
            ),
            ClientSpec("Sunfield Veterinary Clinic", "Sunfield Vet", "sunfieldvet.example", "veterinary"),
            ClientSpec("Lakeshore Architects", "Lakeshore", "lakeshorearchitects.example", "architecture"),
            ClientSpec("Granite Peak Credit Union", "Granite Peak", "granitepeakcu.example", "finance"),
        ),
    ),
    MSPSpec(
        name="Harbour Lane Technology",
        slug="harbourlane",
        ticket_prefix="HLT",
        time_zone="Europe/London",
        domain="harbourlane.example",
        brand_name="Harbour Lane Service Desk",
        primary_color="#0f766e",
        accent_color="#134e4a",
        support_phone="+44 20 7946 0321",
        region="uk",
        services=(
            AgreementService.HELP_DESK,
            AgreementService.NOC_MONITORING,
            AgreementService.PROJECT_EXECUTION,
        ),
        covered_clients=None,
        owner=Person("Oliver", "Pemberton"),
        service_manager=Person("Fiona", "McAllister"),
        technicians=(Person("Sam", "Okonkwo"), Person("Hannah", "Greaves")),
        finance=Person("Imran", "Qureshi"),
        clients=(
            ClientSpec("Thames Valley Opticians", "TV Opticians", "tvopticians.example", "retail"),
            ClientSpec("Whitcombe Estate Agents", "Whitcombe", "whitcombe-estates.example", "property"),
            ClientSpec("Northgate Accountancy", "Northgate", "northgate-accountancy.example", "accounting"),
            ClientSpec("Brightwater Housing Trust", "Brightwater", "brightwaterhousing.example", "charity"),
            ClientSpec("Pennine Engineering", "Pennine", "pennine-eng.example", "manufacturing"),
        ),
    ),
    MSPSpec(
        name="Kestrel Systemhaus",
        slug="kestrel",
        ticket_prefix="KES",
        time_zone="Europe/Berlin",
        domain="kestrel-systemhaus.example",
        brand_name="Kestrel IT-Service",
        primary_color="#b45309",
        accent_color="#7c2d12",
        support_phone="+49 221 555 0190",
        region="de",
        services=(AgreementService.NOC_MONITORING,),
        covered_clients=3,
        owner=Person("Katrin", "Böhm"),
        service_manager=Person("Stefan", "Albrecht"),
        technicians=(Person("Jonas", "Weber"), Person("Leonie", "Krüger"), Person("Emre", "Yilmaz")),
        finance=Person("Sabine", "Hartmann"),
        clients=(
            ClientSpec("Bäckerei Hofmann", "Hofmann", "baeckerei-hofmann.example", "bakery"),
            ClientSpec("Rheinland Steuerberatung", "Rheinland StB", "rheinland-stb.example", "accounting"),
            ClientSpec("Alpenblick Hotels", "Alpenblick", "alpenblick-hotels.example", "hospitality"),
            ClientSpec(
                "Müller Präzisionstechnik", "Müller PT", "mueller-praezision.example", "manufacturing"
            ),
            ClientSpec("Stadtwerke Lindenau", "SW Lindenau", "stadtwerke-lindenau.example", "utility"),
            ClientSpec("Kanzlei Vogt & Partner", "Vogt", "kanzlei-vogt.example", "legal"),
            ClientSpec("Lindner Logistik", "Lindner", "lindner-logistik.example", "logistics"),
        ),
    ),
)

CITIES: dict[str, tuple[City, ...]] = {
    "us": (
        City(
            "Chicago", "60606", "US", "America/Chicago", "+1 312", ("W Lake St", "N Wacker Dr", "S Canal St")
        ),
        City("Milwaukee", "53202", "US", "America/Chicago", "+1 414", ("E Wisconsin Ave", "N Water St")),
        City("Denver", "80202", "US", "America/Denver", "+1 303", ("Larimer St", "17th St", "Blake St")),
        City(
            "Indianapolis",
            "46204",
            "US",
            "America/Indiana/Indianapolis",
            "+1 317",
            ("Monument Cir", "N Meridian St"),
        ),
        City("Minneapolis", "55401", "US", "America/Chicago", "+1 612", ("Hennepin Ave", "Nicollet Mall")),
        City("Phoenix", "85004", "US", "America/Phoenix", "+1 602", ("E Washington St", "N Central Ave")),
    ),
    "uk": (
        City(
            "London",
            "EC2A 4NE",
            "GB",
            "Europe/London",
            "+44 20",
            ("Leonard Street", "Old Street", "Curtain Road"),
        ),
        City("Reading", "RG1 1AX", "GB", "Europe/London", "+44 118", ("Friar Street", "Kings Road")),
        City("Leeds", "LS1 4DY", "GB", "Europe/London", "+44 113", ("Park Row", "Wellington Street")),
        City("Manchester", "M1 3BN", "GB", "Europe/London", "+44 161", ("Portland Street", "Deansgate")),
        City("Belfast", "BT1 6DP", "GB", "Europe/London", "+44 28", ("Donegall Square", "Bedford Street")),
        City("Dublin", "D02 X285", "IE", "Europe/Dublin", "+353 1", ("Baggot Street", "Harcourt Street")),
    ),
    "de": (
        City(
            "Köln", "50667", "DE", "Europe/Berlin", "+49 221", ("Hohe Straße", "Breite Straße", "Ehrenstraße")
        ),
        City("Düsseldorf", "40213", "DE", "Europe/Berlin", "+49 211", ("Königsallee", "Bahnstraße")),
        City("München", "80331", "DE", "Europe/Berlin", "+49 89", ("Sendlinger Straße", "Kaufingerstraße")),
        City("Wien", "1010", "AT", "Europe/Vienna", "+43 1", ("Kärntner Straße", "Graben")),
        City("Salzburg", "5020", "AT", "Europe/Vienna", "+43 662", ("Getreidegasse", "Linzer Gasse")),
        City("Zürich", "8001", "CH", "Europe/Zurich", "+41 44", ("Bahnhofstrasse", "Limmatquai")),
    ),
}

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "us": _words(
        "James Mary Robert Patricia Michael Jennifer David Linda William Elizabeth Carlos Maria "
        "Daniel Susan Anthony Jessica Kenji Sarah DeShawn Karen Ethan Nancy Marcus Lisa Andrew "
        "Ashley Joshua Emily Tyrone Megan Wei Olivia Raj Sophia Brandon Chloe"
    ),
    "uk": _words(
        "Oliver Amelia George Isla Harry Ava Jack Emily Charlie Sophie Thomas Grace Oscar Lily "
        "William Freya James Ella Arjun Aisha Callum Niamh Rhys Siobhan Liam Chloe Mohammed Zara "
        "Ethan Poppy"
    ),
    "de": _words(
        "Lukas Anna Leon Lena Felix Marie Jonas Sophie Maximilian Laura Paul Julia Tobias "
        "Katharina Florian Hannah Matthias Sarah Jan Lisa Stefan Claudia Andreas Sabine Mehmet "
        "Elif Niklas Johanna Thomas Petra"
    ),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "us": _words(
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark "
        "Lewis Robinson Walker Young Nguyen Patel Kim Schultz Kowalski O'Brien Becker Novak"
    ),
    "uk": _words(
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
        "Evans Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Khan Murphy "
        "O'Neill Campbell Kelly Fraser Ahmed"
    ),
    "de": _words(
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
        "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
        "Hartmann Lange Schmitt Werner Krause Yildiz Kowalczyk"
    ),
}

JOB_TITLES: dict[str, tuple[str, ...]] = {
    "us": _phrases(
        "Office Manager; Accountant; Sales Representative; Operations Manager; HR Generalist; "
        "Receptionist; Project Manager; Analyst; Customer Service Representative; Controller; "
        "Marketing Coordinator; Associate; Dispatcher; Paralegal; Vice President"
    ),
    "uk": _phrases(
        "Office Manager; Accounts Assistant; Sales Executive; Operations Manager; HR Advisor; "
        "Receptionist; Project Manager; Analyst; Customer Service Advisor; Finance Director; "
        "Marketing Executive; Administrator; Surveyor; Team Leader; Managing Director"
    ),
    "de": _phrases(
        "Büroleitung; Buchhaltung; Vertrieb; Teamleitung; Personalreferentin; Empfang; "
        "Projektleitung; Sachbearbeitung; Kundenservice; Controlling; Marketing; Assistenz; "
        "Disposition; Einkauf; Geschäftsführung"
    ),
}

# What the client's first contact (the client admin in the demo) does.
CLIENT_ADMIN_TITLE = {"us": "Office Manager", "uk": "Office Manager", "de": "Büroleitung"}

OPERATING_SYSTEMS = {
    "workstation": ("Windows 11 Pro 23H2", "Windows 11 Pro 24H2", "Windows 10 Pro 22H2"),
    "laptop": ("Windows 11 Pro 24H2", "Windows 11 Pro 23H2", "macOS 15 Sequoia", "macOS 14 Sonoma"),
    "server": ("Windows Server 2022 Standard", "Windows Server 2019 Standard", "Ubuntu 24.04 LTS"),
    "firewall": ("FortiOS 7.4", "pfSense Plus 24.03", "SonicOS 7.1"),
    "printer": ("",),
}

HARDWARE = {
    "workstation": (("Dell", "OptiPlex 7010"), ("HP", "EliteDesk 800 G9"), ("Lenovo", "ThinkCentre M70q")),
    "laptop": (
        ("Dell", "Latitude 5440"),
        ("Lenovo", "ThinkPad T14 Gen 4"),
        ("HP", "EliteBook 840 G10"),
        ("Apple", "MacBook Air M3"),
    ),
    "server": (("Dell", "PowerEdge R650"), ("HPE", "ProLiant DL360 Gen11"), ("Lenovo", "ThinkSystem SR630")),
    "firewall": (("Fortinet", "FortiGate 60F"), ("Netgate", "6100"), ("SonicWall", "TZ370")),
    "printer": (("Brother", "MFC-L8900CDW"), ("HP", "LaserJet Pro M404dn"), ("Kyocera", "ECOSYS M3655idn")),
}

SERVER_ROLES = ("DC01", "FS01", "APP01")
