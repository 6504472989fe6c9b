"""Cities a parcel passes, read from a carrier's place text, and the outline the route map is drawn on.

A small bundled table, no map tiles and no geocoding service: the cities carriers in Ukraine and
Poland name most, with their names in the four languages of the customer pages and a few spellings
carriers use (upper case, Latin). Coordinates are city centres (public knowledge, rounded).

The outlines of Ukraine and Poland are simplified by hand (a few dozen points each) from the
public-domain Natural Earth 1:50m admin-0 boundaries; they are for orientation, not for borders.
"""
import re
from dataclasses import dataclass

#: key: (latitude, longitude, {language: name}, extra spellings)
CITIES = {
    "kyiv": (50.45, 30.52, {"uk": "Київ", "en": "Kyiv", "pl": "Kijów", "ru": "Киев"}, ("kiev", "київ цокк")),
    "lviv": (49.84, 24.03, {"uk": "Львів", "en": "Lviv", "pl": "Lwów", "ru": "Львов"}, ("lwow",)),
    "odesa": (46.48, 30.72, {"uk": "Одеса", "en": "Odesa", "pl": "Odessa", "ru": "Одесса"}, ("odessa",)),
    "dnipro": (48.46, 35.05, {"uk": "Дніпро", "en": "Dnipro", "pl": "Dniepr", "ru": "Днепр"}, ()),
    "kharkiv": (49.99, 36.23, {"uk": "Харків", "en": "Kharkiv", "pl": "Charków", "ru": "Харьков"}, ()),
    "zaporizhzhia": (47.84, 35.14, {"uk": "Запоріжжя", "en": "Zaporizhzhia", "pl": "Zaporoże", "ru": "Запорожье"}, ()),
    "vinnytsia": (49.23, 28.47, {"uk": "Вінниця", "en": "Vinnytsia", "pl": "Winnica", "ru": "Винница"}, ()),
    "rivne": (50.62, 26.25, {"uk": "Рівне", "en": "Rivne", "pl": "Równe", "ru": "Ровно"}, ()),
    "lutsk": (50.75, 25.33, {"uk": "Луцьк", "en": "Lutsk", "pl": "Łuck", "ru": "Луцк"}, ()),
    "ternopil": (49.55, 25.59, {"uk": "Тернопіль", "en": "Ternopil", "pl": "Tarnopol", "ru": "Тернополь"}, ()),
    "ivano_frankivsk": (48.92, 24.71, {"uk": "Івано-Франківськ", "en": "Ivano-Frankivsk", "pl": "Iwano-Frankiwsk",
                                       "ru": "Ивано-Франковск"}, ()),
    "uzhhorod": (48.62, 22.29, {"uk": "Ужгород", "en": "Uzhhorod", "pl": "Użhorod", "ru": "Ужгород"}, ()),
    "chernivtsi": (48.29, 25.94, {"uk": "Чернівці", "en": "Chernivtsi", "pl": "Czerniowce", "ru": "Черновцы"}, ()),
    "khmelnytskyi": (49.42, 26.99, {"uk": "Хмельницький", "en": "Khmelnytskyi", "pl": "Chmielnicki",
                                    "ru": "Хмельницкий"}, ()),
    "zhytomyr": (50.25, 28.66, {"uk": "Житомир", "en": "Zhytomyr", "pl": "Żytomierz", "ru": "Житомир"}, ()),
    "chernihiv": (51.50, 31.29, {"uk": "Чернігів", "en": "Chernihiv", "pl": "Czernihów", "ru": "Чернигов"}, ()),
    "poltava": (49.59, 34.55, {"uk": "Полтава", "en": "Poltava", "pl": "Połtawa", "ru": "Полтава"}, ()),
    "sumy": (50.91, 34.80, {"uk": "Суми", "en": "Sumy", "pl": "Sumy", "ru": "Сумы"}, ()),
    "cherkasy": (49.44, 32.06, {"uk": "Черкаси", "en": "Cherkasy", "pl": "Czerkasy", "ru": "Черкассы"}, ()),
    "kropyvnytskyi": (48.51, 32.26, {"uk": "Кропивницький", "en": "Kropyvnytskyi", "pl": "Kropywnycki",
                                     "ru": "Кропивницкий"}, ()),
    "mykolaiv": (46.97, 32.00, {"uk": "Миколаїв", "en": "Mykolaiv", "pl": "Mikołajów", "ru": "Николаев"}, ()),
    "kherson": (46.64, 32.61, {"uk": "Херсон", "en": "Kherson", "pl": "Chersoń", "ru": "Херсон"}, ()),
    "bila_tserkva": (49.80, 30.11, {"uk": "Біла Церква", "en": "Bila Tserkva", "pl": "Biała Cerkiew",
                                    "ru": "Белая Церковь"}, ()),
    "warszawa": (52.23, 21.01, {"uk": "Варшава", "en": "Warsaw", "pl": "Warszawa", "ru": "Варшава"}, ("waw",)),
    "krakow": (50.06, 19.94, {"uk": "Краків", "en": "Kraków", "pl": "Kraków", "ru": "Краков"}, ("krakow", "kra")),
    "wroclaw": (51.11, 17.03, {"uk": "Вроцлав", "en": "Wrocław", "pl": "Wrocław", "ru": "Вроцлав"}, ("wroclaw",)),
    "poznan": (52.41, 16.93, {"uk": "Познань", "en": "Poznań", "pl": "Poznań", "ru": "Познань"}, ("poznan",)),
    "gdansk": (54.35, 18.65, {"uk": "Гданськ", "en": "Gdańsk", "pl": "Gdańsk", "ru": "Гданьск"}, ("gdansk",)),
    "lodz": (51.76, 19.46, {"uk": "Лодзь", "en": "Łódź", "pl": "Łódź", "ru": "Лодзь"}, ("lodz",)),
    "lublin": (51.25, 22.57, {"uk": "Люблін", "en": "Lublin", "pl": "Lublin", "ru": "Люблин"}, ()),
    "rzeszow": (50.04, 22.00, {"uk": "Жешув", "en": "Rzeszów", "pl": "Rzeszów", "ru": "Жешув"}, ("rzeszow",)),
    "katowice": (50.26, 19.02, {"uk": "Катовиці", "en": "Katowice", "pl": "Katowice", "ru": "Катовице"}, ()),
    "szczecin": (53.43, 14.55, {"uk": "Щецин", "en": "Szczecin", "pl": "Szczecin", "ru": "Щецин"}, ()),
    "bialystok": (53.13, 23.16, {"uk": "Білосток", "en": "Białystok", "pl": "Białystok", "ru": "Белосток"},
                  ("bialystok",)),
    "przemysl": (49.78, 22.77, {"uk": "Перемишль", "en": "Przemyśl", "pl": "Przemyśl", "ru": "Перемышль"},
                 ("przemysl",)),
}

# (longitude, latitude), clockwise from the north-west; Natural Earth 1:50m, simplified by hand
POLAND = (
    (14.2, 53.9), (16.0, 54.3), (17.0, 54.7), (18.4, 54.8), (18.7, 54.4), (19.6, 54.4), (21.5, 54.3),
    (22.8, 54.4), (23.5, 54.0), (23.9, 53.2), (23.5, 52.6), (23.2, 52.2), (23.6, 51.6), (24.1, 50.9),
    (23.5, 50.4), (22.6, 49.6), (22.9, 49.1), (22.0, 49.2), (20.9, 49.4), (19.8, 49.2), (18.9, 49.5),
    (18.0, 50.0), (17.6, 50.3), (16.9, 50.4), (16.3, 50.7), (15.0, 51.0), (14.8, 51.1), (14.7, 52.0),
    (14.6, 52.6), (14.1, 52.9), (14.4, 53.3),
)
UKRAINE = (
    (23.6, 51.5), (24.4, 51.9), (25.5, 51.9), (27.0, 51.8), (28.0, 51.6), (29.3, 51.4), (30.6, 51.3),
    (30.9, 52.1), (31.8, 52.1), (33.2, 52.4), (34.1, 51.7), (35.1, 51.2), (35.4, 50.6), (36.6, 50.2),
    (38.2, 49.9), (39.2, 49.9), (40.1, 49.6), (40.0, 49.0), (39.7, 48.6), (40.0, 48.2), (39.7, 47.8),
    (38.2, 47.1), (37.5, 47.1), (36.7, 46.7), (35.4, 46.3), (34.8, 46.2), (35.5, 45.4), (36.6, 45.4),
    (35.4, 45.0), (34.4, 44.5), (33.6, 44.5), (32.5, 45.4), (33.6, 46.1), (32.0, 46.5), (30.7, 46.5),
    (30.2, 45.9), (29.6, 45.4), (28.2, 45.5), (28.9, 46.4), (30.1, 46.4), (29.9, 46.8), (29.6, 47.3),
    (29.2, 47.9), (28.2, 48.2), (27.5, 48.5), (26.6, 48.3), (25.2, 47.9), (24.6, 48.0), (23.2, 48.1),
    (22.7, 47.9), (22.2, 48.4), (22.6, 49.1), (22.6, 49.6), (23.5, 50.4), (24.1, 50.9),
)

# the map's frame: longitude 14–40.5, latitude 44–55, at 50° N a degree of longitude is ~0.64 of one of latitude
WEST, EAST, NORTH, SOUTH = 13.8, 40.4, 55.1, 44.2
SCALE = 20  # SVG units per degree of latitude
LON_FACTOR = 0.64
WIDTH = round((EAST - WEST) * LON_FACTOR * SCALE)
HEIGHT = round((NORTH - SOUTH) * SCALE)

_ALIASES = {}
for _key, (_lat, _lon, _names, _extra) in CITIES.items():
    for _spelling in (*_names.values(), *_extra, _key):
        _ALIASES[_spelling.casefold()] = _key
_WORDS = re.compile(r"[^\W\d_]+(?:[-' ][^\W\d_]+)*", re.UNICODE)


@dataclass(frozen=True)
class City:
    key: str
    x: float
    y: float

    def name(self, language):
        names = CITIES[self.key][2]
        return names.get(language) or names["en"]


def project(lon, lat):
    """SVG (x, y) of a point, rounded to a tenth."""
    return round((lon - WEST) * LON_FACTOR * SCALE, 1), round((NORTH - lat) * SCALE, 1)


def city(key):
    lat, lon = CITIES[key][:2]
    x, y = project(lon, lat)
    return City(key, x, y)


def find_city(text):
    """The city a carrier's place text names ("Відділення №12, Львів", "ЛЬВІВ СЦ", "Warszawa, PL",
    "KRA02A"), or None."""
    if not text:
        return None
    folded = text.casefold()
    for match in _WORDS.finditer(folded):
        words = match.group(0).replace("'", " ").split()
        # the longest run of words first ("біла церква", "ivano-frankivsk" before "ivano")
        for size in range(len(words), 0, -1):
            for start in range(0, len(words) - size + 1):
                key = _ALIASES.get(" ".join(words[start:start + size]))
                if key:
                    return city(key)
    code = re.match(r"^([a-z]{3})\d", folded)  # InPost machine codes: KRA02A, WAW01M
    if code and code.group(1) in _ALIASES:
        return city(_ALIASES[code.group(1)])
    return None


def outline_paths():
    """SVG path data of the two countries: {"ua": "M…Z", "pl": "M…Z"}."""
    def path(points):
        return "M" + " L".join(f"{x},{y}" for x, y in (project(lon, lat) for lon, lat in points)) + " Z"
    return {"ua": path(UKRAINE), "pl": path(POLAND)}


#: The outlines every route map draws (constants: computed once, not per render)
OUTLINES = outline_paths()
