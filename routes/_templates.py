"""The Jinja environment of the pages: translations, locale filters, static URLs, option lists."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from jinja2_fragments.starlette import Jinja2Blocks
from markupsafe import Markup, escape

from pwa import i18n
from pwa.assets import Assets
from pwa.settings import Settings


def make_templates(settings: Settings, assets: Assets) -> Jinja2Blocks:
    """The Jinja environment: i18n, locale filters, static URLs."""
    templates = Jinja2Blocks(directory=str(settings.root_dir / "templates"))
    env = templates.env
    env.auto_reload = settings.debug  # otherwise every render would stat each template it uses
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["_"] = _gettext  # the extension's `_` goes through three calls per message
    env.globals["options"] = options
    env.globals.update(static=assets.url, settings=settings, LANGUAGE_NAMES=i18n.LANGUAGE_NAMES)
    # Icons are used everywhere, fragments included: a global, not an import per template.
    env.globals["icon"] = env.get_template("_icons.html").module.icon  # type: ignore[attr-defined]
    env.globals["forms"] = env.get_template("_forms.html").module
    env.filters.update(
        money=i18n.money,
        number=i18n.number,
        date=i18n.local_date,
        weekday_date=i18n.weekday_date,
        datetime=lambda value: i18n.local_datetime(value, settings.tz),
    )
    return templates


@pass_eval_context
def _gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    """`_()` in templates: what the i18n extension's newstyle gettext does, in one call."""
    text: str = Markup(i18n.gettext(message)) if eval_ctx.autoescape else i18n.gettext(message)
    # The extension always formats (`%%` becomes `%`); without a `%` that changes nothing.
    return text % variables if variables or "%" in text else text


def options(items: Iterable[Any], selected: object = None, *, value: str = "", label: str = "") -> Markup:
    """A select's `<option>`s from (value, label) pairs, or objects' `value`/`label` attributes;
    the one whose value reads as `selected` is selected. Built once per list, as long lists
    (communes, provinces) never change between requests."""
    pairs = tuple((getattr(i, value), getattr(i, label)) for i in items) if value else tuple(items)
    html = _options_html(pairs)
    mark = f'<option value="{escape(str(selected))}">'
    return Markup(html.replace(mark, mark[:-1] + " selected>"))


@lru_cache(maxsize=64)
def _options_html(pairs: tuple[tuple[Any, Any], ...]) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(text)}</option>' for v, text in pairs)
