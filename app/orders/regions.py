"""Region names for the subdivision codes shop platforms send, in the customer's language.

WooCommerce sends a state code (older versions ISO 3166-2 numbers such as ``UA46``, current ones
two letters such as ``LV``: woocommerce/woocommerce, plugins/woocommerce/i18n/states.php) and
Shopify a ``province_code``; stored as they are, the staff list and the customer's page showed
"UA46". Ukraine: ISO 3166-2:UA; Poland: ISO 3166-2:PL (the letter codes of 2018 and the numbers
used before). The names follow the shop's own spelling (the demo's): "Львівська", "mazowieckie".
"""
from flask import current_app, has_app_context

LANGUAGES = ("uk", "en", "pl", "ru")

#: ISO 3166-2:UA number: (uk, en, pl, ru)
UA = {
    "05": ("Вінницька", "Vinnytsia Oblast", "obwód winnicki", "Винницкая"),
    "07": ("Волинська", "Volyn Oblast", "obwód wołyński", "Волынская"),
    "09": ("Луганська", "Luhansk Oblast", "obwód ługański", "Луганская"),
    "12": ("Дніпропетровська", "Dnipropetrovsk Oblast", "obwód dniepropetrowski", "Днепропетровская"),
    "14": ("Донецька", "Donetsk Oblast", "obwód doniecki", "Донецкая"),
    "18": ("Житомирська", "Zhytomyr Oblast", "obwód żytomierski", "Житомирская"),
    "21": ("Закарпатська", "Zakarpattia Oblast", "obwód zakarpacki", "Закарпатская"),
    "23": ("Запорізька", "Zaporizhzhia Oblast", "obwód zaporoski", "Запорожская"),
    "26": ("Івано-Франківська", "Ivano-Frankivsk Oblast", "obwód iwanofrankiwski", "Ивано-Франковская"),
    "30": ("м. Київ", "Kyiv city", "Kijów", "г. Киев"),
    "32": ("Київська", "Kyiv Oblast", "obwód kijowski", "Киевская"),
    "35": ("Кіровоградська", "Kirovohrad Oblast", "obwód kirowohradzki", "Кировоградская"),
    "40": ("м. Севастополь", "Sevastopol city", "Sewastopol", "г. Севастополь"),
    "43": ("АР Крим", "Autonomous Republic of Crimea", "Autonomiczna Republika Krymu", "АР Крым"),
    "46": ("Львівська", "Lviv Oblast", "obwód lwowski", "Львовская"),
    "48": ("Миколаївська", "Mykolaiv Oblast", "obwód mikołajowski", "Николаевская"),
    "51": ("Одеська", "Odesa Oblast", "obwód odeski", "Одесская"),
    "53": ("Полтавська", "Poltava Oblast", "obwód połtawski", "Полтавская"),
    "56": ("Рівненська", "Rivne Oblast", "obwód rówieński", "Ровенская"),
    "59": ("Сумська", "Sumy Oblast", "obwód sumski", "Сумская"),
    "61": ("Тернопільська", "Ternopil Oblast", "obwód tarnopolski", "Тернопольская"),
    "63": ("Харківська", "Kharkiv Oblast", "obwód charkowski", "Харьковская"),
    "65": ("Херсонська", "Kherson Oblast", "obwód chersoński", "Херсонская"),
    "68": ("Хмельницька", "Khmelnytskyi Oblast", "obwód chmielnicki", "Хмельницкая"),
    "71": ("Черкаська", "Cherkasy Oblast", "obwód czerkaski", "Черкасская"),
    "74": ("Чернігівська", "Chernihiv Oblast", "obwód czernihowski", "Черниговская"),
    "77": ("Чернівецька", "Chernivtsi Oblast", "obwód czerniowiecki", "Черновицкая"),
}
#: WooCommerce's own letters for Ukraine's oblasts (states.php) → the ISO number
UA_LETTERS = {"VN": "05", "VL": "07", "LH": "09", "DP": "12", "DT": "14", "ZT": "18", "ZK": "21", "ZP": "23",
              "IF": "26", "KV": "32", "KH": "35", "LV": "46", "MY": "48", "OD": "51", "PL": "53", "RV": "56",
              "SM": "59", "TP": "61", "KK": "63", "KS": "65", "KM": "68", "CK": "71", "CH": "74", "CV": "77"}

#: ISO 3166-2:PL letters: (uk, en, pl, ru)
PL = {
    "DS": ("Нижньосілезьке", "Lower Silesian", "dolnośląskie", "Нижнесилезское"),
    "KP": ("Куявсько-Поморське", "Kuyavian-Pomeranian", "kujawsko-pomorskie", "Куявско-Поморское"),
    "LU": ("Люблінське", "Lublin", "lubelskie", "Люблинское"),
    "LB": ("Любуське", "Lubusz", "lubuskie", "Любушское"),
    "LD": ("Лодзьке", "Łódź", "łódzkie", "Лодзинское"),
    "MA": ("Малопольське", "Lesser Poland", "małopolskie", "Малопольское"),
    "MZ": ("Мазовецьке", "Masovian", "mazowieckie", "Мазовецкое"),
    "OP": ("Опольське", "Opole", "opolskie", "Опольское"),
    "PK": ("Підкарпатське", "Subcarpathian", "podkarpackie", "Подкарпатское"),
    "PD": ("Підляське", "Podlaskie", "podlaskie", "Подляское"),
    "PM": ("Поморське", "Pomeranian", "pomorskie", "Поморское"),
    "SL": ("Сілезьке", "Silesian", "śląskie", "Силезское"),
    "SK": ("Свентокшиське", "Holy Cross", "świętokrzyskie", "Свентокшиское"),
    "WN": ("Вармінсько-Мазурське", "Warmian-Masurian", "warmińsko-mazurskie", "Варминьско-Мазурское"),
    "WP": ("Великопольське", "Greater Poland", "wielkopolskie", "Великопольское"),
    "ZP": ("Західнопоморське", "West Pomeranian", "zachodniopomorskie", "Западнопоморское"),
}
#: The numbers ISO 3166-2:PL used before 2018 → the letters
PL_NUMBERS = {"02": "DS", "04": "KP", "06": "LU", "08": "LB", "10": "LD", "12": "MA", "14": "MZ", "16": "OP",
              "18": "PK", "20": "PD", "22": "PM", "24": "SL", "26": "SK", "28": "WN", "30": "WP", "32": "ZP"}


def _names(country, code):
    code = code.strip().upper()
    for prefix in (f"{country}-", country):
        if code.startswith(prefix) and len(code) > len(prefix):
            code = code[len(prefix):]
            break
    if country == "UA":
        return UA.get(UA_LETTERS.get(code, code))
    if country == "PL":
        return PL.get(PL_NUMBERS.get(code, code))
    return None


def region_name(country, code, language=None):
    """The region's name for a platform's state code, or None if ``code`` is not one we know
    (a name typed by the buyer stays as it is)."""
    if not code or not country:
        return None
    names = _names(country.strip().upper(), str(code))
    if names is None:
        return None
    if language not in LANGUAGES:
        language = current_app.config.get("DEFAULT_LANGUAGE", "uk") if has_app_context() else "uk"
    return names[LANGUAGES.index(language if language in LANGUAGES else "uk")]
