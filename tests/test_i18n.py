"""Every extracted string is translated into uk, en, pl and ru."""
import os
import subprocess
import sys

from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _key(message):
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return (message.context, msgid)


def test_catalogues_cover_every_extracted_string(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = os.path.join(os.path.dirname(sys.executable), "pybabel")
    subprocess.run([pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "-k", "pgettext:1c,2",
                    "-k", "lazy_ngettext:1,2", "-o", str(pot), "."], cwd=ROOT, check=True)
    with open(pot, "rb") as fh:
        extracted = {_key(m) for m in read_po(fh) if m.id}
    assert len(extracted) > 50
    problems = []
    for lang in ("uk", "en", "pl", "ru"):
        with open(os.path.join(ROOT, "app", "translations", lang, "LC_MESSAGES", "messages.po"), "rb") as fh:
            catalog = read_po(fh, locale=lang)
        translated = {_key(m) for m in catalog if m.id and not m.fuzzy and (
            all(m.string) if isinstance(m.string, tuple) else m.string)}
        problems += [f"{lang}: {ctx + '|' if ctx else ''}{msgid}" for ctx, msgid in sorted(
            extracted - translated, key=str)]
    assert not problems, "untranslated strings (run make translations, then tools/i18n.py):\n" + "\n".join(problems)


def test_no_string_is_defined_twice_in_a_catalogue():
    """Babel keeps the last of two definitions without a word; GNU msgfmt refuses the file."""
    import re
    problems = []
    for lang in ("uk", "en", "pl", "ru"):
        with open(os.path.join(ROOT, "app", "translations", lang, "LC_MESSAGES", "messages.po"),
                  encoding="utf-8") as fh:
            entries = [block for block in fh.read().split("\n\n") if not block.lstrip().startswith("#~")]
        seen = set()
        for block in entries:
            found = re.search(r'^(msgctxt .*\n)?msgid ((?:".*"\n?)+)', block, re.M)
            if not found:
                continue
            key = (found.group(1), "".join(re.findall(r'"(.*)"', found.group(2))))
            if key != (None, "") and key in seen:
                problems.append(f"{lang}: {key[1]}")
            seen.add(key)
    assert not problems, "defined twice:\n" + "\n".join(problems)
