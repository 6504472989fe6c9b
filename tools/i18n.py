"""Catalogue chores for developers (not used at run time).

  python tools/i18n.py missing            list untranslated or fuzzy entries per language
  python tools/i18n.py apply FILE.json    set translations: {"msgid" or "ctx|msgid": {"uk": ..., "pl": ..., "ru": ...}}
  python tools/i18n.py merge OURS THEIRS  union two versions of one .po (after a git merge conflict)

``en`` needs no file: an English entry is filled with its msgid (source strings are English).
Run ``make translations`` first so that the catalogues hold every extracted string.
"""
import json
import os
import sys

from babel.messages.pofile import read_po, write_po

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app", "translations")
LANGS = ("uk", "en", "pl", "ru")


def _path(lang):
    return os.path.join(ROOT, lang, "LC_MESSAGES", "messages.po")


def _load(path, lang):
    with open(path, "rb") as fh:
        return read_po(fh, locale=lang)


def _save(catalog, path):
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=100, sort_by_file=True, include_previous=False)


def _key(message):
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"{message.context}|{msgid}" if message.context else msgid


def _untranslated(message):
    if isinstance(message.string, tuple):
        return any(not s for s in message.string)
    return not message.string


def missing():
    total = 0
    for lang in LANGS:
        catalog = _load(_path(lang), lang)
        for message in catalog:
            if message.id and (_untranslated(message) or message.fuzzy):
                print(f"{lang}: {_key(message)!r}")
                total += 1
    return total


def fill_english():
    catalog = _load(_path("en"), "en")
    for message in catalog:
        if message.id and (_untranslated(message) or message.fuzzy):
            message.string = tuple(message.id[:2]) if isinstance(message.id, tuple) else message.id
            message.flags.discard("fuzzy")
    _save(catalog, _path("en"))


def apply(file):
    with open(file, encoding="utf-8") as fh:
        table = json.load(fh)
    for lang in ("uk", "pl", "ru"):
        catalog = _load(_path(lang), lang)
        for message in catalog:
            if not message.id:
                continue
            entry = table.get(_key(message))
            if entry and entry.get(lang):
                value = entry[lang]
                message.string = tuple(value) if isinstance(message.id, tuple) else value
                message.flags.discard("fuzzy")
        _save(catalog, _path(lang))
    fill_english()


def merge(ours, theirs):
    lang = os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(ours))))
    a, b = _load(ours, lang), _load(theirs, lang)
    for message in b:
        if not message.id:
            continue
        mine = a.get(message.id, context=message.context)
        if mine is None:
            a[message.id] = message
        elif _untranslated(mine) and not _untranslated(message):
            mine.string = message.string
    _save(a, ours)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "missing"
    if command == "missing":
        sys.exit(1 if missing() else 0)
    elif command == "apply":
        apply(sys.argv[2])
    elif command == "merge":
        merge(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
