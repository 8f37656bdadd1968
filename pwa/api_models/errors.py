"""The translated message of each value the API's models refuse, named by the field's path."""

from __future__ import annotations

from pydantic import ValidationError

from pwa.i18n import gettext as _


def _listed(expected: str) -> str:
    """Pydantic's `'a', 'b' or 'c'` as `a, b, c`."""
    return expected.replace(" or ", ", ").replace("'", "")


_TYPES = {
    "string_type": lambda ctx: _("Phải là chuỗi ký tự."),
    "int_type": lambda ctx: _("Phải là số nguyên."),
    "int_from_float": lambda ctx: _("Phải là số nguyên."),
    "float_type": lambda ctx: _("Phải là một số."),
    "finite_number": lambda ctx: _("Phải là một số."),
    "bool_type": lambda ctx: _("Phải là true hoặc false."),
    "list_type": lambda ctx: _("Phải là một danh sách."),
    "model_type": lambda ctx: _("Phải là một đối tượng JSON."),
    "dict_type": lambda ctx: _("Phải là một đối tượng JSON."),
    "missing": lambda ctx: _("Thiếu trường này."),
    "extra_forbidden": lambda ctx: _("API không có trường này."),
    "string_too_short": lambda ctx: _("Tối thiểu %(n)s ký tự.") % {"n": ctx["min_length"]},
    "string_too_long": lambda ctx: _("Tối đa %(n)s ký tự.") % {"n": ctx["max_length"]},
    "too_short": lambda ctx: _("Tối thiểu %(n)s mục.") % {"n": ctx["min_length"]},
    "too_long": lambda ctx: _("Tối đa %(n)s mục.") % {"n": ctx["max_length"]},
    "greater_than": lambda ctx: _("Phải lớn hơn %(n)s.") % {"n": ctx["gt"]},
    "greater_than_equal": lambda ctx: _("Phải từ %(n)s trở lên.") % {"n": ctx["ge"]},
    "less_than": lambda ctx: _("Phải nhỏ hơn %(n)s.") % {"n": ctx["lt"]},
    "less_than_equal": lambda ctx: _("Tối đa là %(n)s.") % {"n": ctx["le"]},
    "literal_error": lambda ctx: _("Phải là một trong: %(values)s.") % {"values": _listed(ctx["expected"])},
    "union_tag_invalid": lambda ctx: _("Phải là một trong: %(values)s.") % {"values": _listed(ctx["expected_tags"])},
    "string_pattern_mismatch": lambda ctx: _("Không đúng định dạng."),
    "pwa": lambda ctx: str(ctx["message"]),
}


def field_errors(exc: ValidationError, *, tags: frozenset[str] = frozenset()) -> dict[str, str]:
    """A translated message per wrong field, named by its path (`subscription.keys.auth`).

    `tags`: the values of a tagged union's discriminator, which pydantic puts first in a path.
    """
    found: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        path = [str(p) for p in error["loc"] if isinstance(p, str)]
        if path and path[0] in tags:
            path = path[1:]
        name = ".".join(path) or "body"
        if error["type"] == "exactly_one":  # a timeline event with both or neither (pwa/api_models/dossiers.py)
            found["status_code"] = _("Gửi đúng một trong hai: status_code (1–10) hoặc postal_event.")
            continue
        if error["type"] == "union_tag_not_found":
            name = ".".join([*path, str(error.get("ctx", {}).get("discriminator", "")).strip("'")])
            found.setdefault(name, _("Thiếu trường này."))
            continue
        message = _TYPES.get(error["type"])
        found.setdefault(name, message(error.get("ctx", {})) if message else _("Giá trị không hợp lệ."))
    return found
