"""Every string shown to people has an English translation."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir

from pwa import i18n
from pwa.settings import ROOT_DIR

METHODS = [
    ("pwa/**.py", "python"),
    ("routes/**.py", "python"),
    ("templates/**.html", "jinja2"),
]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def source_messages() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT_DIR), METHODS, OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def test_every_message_has_an_english_translation() -> None:
    translated = set(i18n.all_message_ids("en"))
    missing = sorted(source_messages() - translated)
    assert not missing, "untranslated (run `make messages`, then translate):\n" + "\n".join(missing)
