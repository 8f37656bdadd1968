"""Find translatable strings missing from the English catalogs and add them, untranslated.

`make messages` runs this; translate the new entries at the end of
locales/en/LC_MESSAGES/messages.po (or move them to an area's own .po file).
Never removes anything: each area of the app may keep its own .po file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pwa import i18n  # noqa: E402

METHODS = [("pwa/**.py", "python"), ("routes/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None, "gettext": None, "ngettext": (1, 2)}


def source_messages() -> list[str | tuple[str, str]]:
    """Every message id in the code and templates, in order of appearance (a counted phrase as a pair)."""
    found: dict[str | tuple[str, str], None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, OPTIONS, KEYWORDS):
        if isinstance(message, str):
            found[message] = None
        elif len(message) > 1 and message[0] and message[1]:
            found[(message[0], message[1])] = None
        elif message[0]:
            found[message[0]] = None
    return [m for m in found if m]


def _singular(message: str | tuple[str, ...] | list[str]) -> str:
    return message if isinstance(message, str) else message[0]


def main() -> None:
    """Append every untranslated message to messages.po."""
    known = set(i18n.all_message_ids("en"))
    target = i18n.LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po"
    catalog = read_po(target.open("rb"), locale="en") if target.exists() else Catalog(locale="en")
    present = {_singular(m.id) for m in catalog}
    missing = [m for m in source_messages() if _singular(m) not in known and _singular(m) not in present]
    for message in missing:
        catalog.add(message, "" if isinstance(message, str) else ("", ""))
    with target.open("wb") as fh:
        write_po(fh, catalog, omit_header=True, no_location=True, width=100)
    untranslated = [m.id for m in catalog if m.id and not i18n.translated(m.string)]
    print(f"{len(missing)} new, {len(untranslated)} untranslated in {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
