"""The Jinja environment and theme lookup.

Lookup order follows MkDocs: the site's own `templates/` first, then the chosen
theme, then the default theme, so an override can replace one template (or one
block of `base.html`) and inherit the rest.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import jinja2

from .content import read_text
from .errors import SitegenError
from .state import builtin_themes_dir


def theme_dirs(site: Path, theme: str) -> list[Path]:
    """Theme folders, most specific first: the site's own themes/, then the built-in ones."""
    for base in (site / "themes", builtin_themes_dir()):
        if (base / theme).is_dir():  # a theme may change only static files, or no templates
            found = base / theme
            break
    else:
        raise SitegenError(
            f"theme {theme!r} not found (looked in {site / 'themes'} and the built-in themes)",
            site / "sitegen.yaml",
        )
    default = builtin_themes_dir() / "default"
    return [found] if found == default else [found, default]


def template_dirs(site: Path, theme: str) -> list[Path]:
    return [site / "templates", *(d / "templates" for d in theme_dirs(site, theme))]


def static_dirs(site: Path, theme: str) -> list[Path]:
    """Static folders, least specific first, so later ones overwrite earlier files."""
    return [*(d / "static" for d in reversed(theme_dirs(site, theme))), site / "static"]


class _Loader(jinja2.FileSystemLoader):
    """Jinja's loader, except that:

    - it reads each template once and serves that text from then on: a page is keyed by
      its templates' sources (keys.py) and must be rendered from the very same text, even
      when the file is saved in between (`sitegen serve` builds on every save). A loader
      lives as long as its environment: one build, or one `sitegen check`.
    - a template that is not UTF-8 is named with its line: Jinja's own error names
      neither the file nor the line.
    """

    def __init__(self, searchpath: Any, followlinks: bool = False):
        super().__init__(searchpath, followlinks=followlinks)
        self.texts: dict[str, tuple[str, str, Any]] = {}

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        if template not in self.texts:
            try:
                self.texts[template] = super().get_source(environment, template)
            except UnicodeDecodeError:  # the file the loader read: the first folder holding it
                path = next(p for d in self.searchpath if (p := Path(d, template)).is_file())
                read_text(path, str(path))  # raises the error with its line
                raise
        return self.texts[template]


def make_env(dirs: list[Path]) -> jinja2.Environment:
    """Each theme's templates can also be named with the theme as a prefix (`default/paper.html`),
    so a site template of the same name can extend the one it shadows and change a single block."""
    prefixed = [(d.parent.name, d) for d in dirs[1:] if d.is_dir()]
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                # followlinks: list_templates (what a dynamic include can reach, keys.py)
                # must list what get_template finds behind a symlinked folder
                _Loader([str(d) for d in dirs if d.is_dir()], followlinks=True),
                jinja2.PrefixLoader({n: _Loader(str(d), followlinks=True) for n, d in prefixed}),
            ]
        ),
        autoescape=True,  # every template, .xml included: nothing user-written is trusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def template_error(e: Exception, name: str | None = None) -> SitegenError:
    """Name the template file and line of a Jinja error instead of a traceback."""
    if isinstance(e, SitegenError):  # already names its file (_Loader)
        return e
    if isinstance(e, jinja2.TemplateSyntaxError):
        return SitegenError(f"template error: {e.message}", e.filename or e.name, e.lineno)
    # at render time: the innermost frame that belongs to a template file
    tb = sys.exc_info()[2] if e.__traceback__ is None else e.__traceback__
    where, line = name, None
    while tb is not None:
        fn = tb.tb_frame.f_code.co_filename
        if fn.endswith((".html", ".xml", ".txt", ".j2")):
            where, line = fn, tb.tb_lineno
        tb = tb.tb_next
    if isinstance(e, jinja2.TemplateNotFound):  # an extends, include or import names it
        return SitegenError(f"template not found: {e.name}", where, line)
    return SitegenError(f"template error: {type(e).__name__}: {e}", where, line)
