"""`sitegen new DIR`: a site folder a newcomer can build and deploy at once.

Everything written here is also documented in the README; the generated
sitegen.yaml lists every setting with its default, commented out, so the file
is valid as it stands and shows what can be changed without a trip to the docs.
Nothing that exists is ever overwritten, even with --force: --force only
allows writing *beside* existing files.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import metadata
from pathlib import Path

from .config import CONFIG_FILE
from .errors import SitegenError

SITEGEN_YAML = """\
# sitegen.yaml: settings for this site. Every setting is optional: each one
# below is shown with its default value, commented out. To change a setting,
# remove the leading "# " of its line(s) and edit the value.
# `sitegen check` validates this file (unknown keys are errors).

# The site's name, in the header and the browser tab. Default: the owner's
# name from content/profile.yaml.
# title: Ada Lovelace

# One sentence about the site, for themes that show it. Default: none.
# description: Publications on analytical engines.

# The address the site is served from, for feeds, the sitemap and canonical
# links. Default: --base-url, else the URL variable that Netlify sets during
# its builds, else a placeholder (the build warns).
# base_url: https://example.org/

# The theme: a folder themes/NAME/ beside this file, or a built-in theme.
# theme: default

# The language of the pages (the <html lang> attribute).
# language: en

# Display names for topic codes; codes not listed use the built-in arXiv names.
# topic_names: {}
# topic_names:
#   LG: Machine Learning

# How many papers each feed (feed.xml, atom.xml, per topic and coauthor) lists.
# feed_size: 20

# The links in the header: site paths start with "/", other sites with http(s)://.
# nav:
#   - title: Publications
#     url: /timeline/
#   - title: Topics
#     url: /topics/
#   - title: Coauthors
#     url: /coauthors/
#   - title: CV
#     url: /cv/

# How many recent papers the home page lists.
# home_papers: 8

# How many frequent coauthors the home page lists.
# home_coauthors: 12

# How many related papers each paper page lists.
# related_papers: 4

# Build a full-text search index (Pagefind).
# search: true

# How many news items (content/news/*.md) the home page shows; /news/ lists all.
# home_news: 5

# Also write the CV as a PDF, /cv/cv.pdf, linked from /cv/ and the home page.
# Needs WeasyPrint: pip install 'sitegen[pdf]'.
# cv_pdf: false
"""

PORTFOLIO_KEYS = """\
# The about section of the home page (and the CV's header). All optional.
# photo: me.jpg            # an image under content/; without one, your initials are drawn
# position: Research Fellow
# affiliation: University of Somewhere
# email: you@example.org   # shown as "you [at] example [dot] org" to foil harvesters
# bio: |
#   A few sentences in Markdown; $math$ works. Leave a blank line
#   between paragraphs.
# links:                   # http(s) URLs; known names get an icon, others show their name
#   scholar: https://scholar.google.com/citations?user=...
#   orcid: https://orcid.org/0000-0000-0000-0000
#   github: https://github.com/you
#   linkedin: https://www.linkedin.com/in/you
#   x: https://x.com/you
#   bluesky: https://bsky.app/profile/you.example.org
#   mastodon: https://mastodon.social/@you
#   semantic_scholar: https://www.semanticscholar.org/author/...
#   dblp: https://dblp.org/pid/...
#   website: https://you.example.org/
"""

PROFILE_YAML = (
    """\
# content/profile.yaml: who the site is about. `sitegen import PROFILE`
# replaces name, field and metrics from your profile text and keeps any
# other key you add.
name: Your Name
# field: Computer Science
# metrics:
#   papers: 0
#   citations: 0
#   h_index: 0
"""
    + PORTFOLIO_KEYS
)

EXAMPLE_PAPER = """\
---
# One paper per file; the file name (lower-case letters, digits, '-') is its URL.
# `draft: true` keeps this example off the site: delete the file when you have
# your own papers, or copy it. README.md, "Front matter reference", lists every key.
title: An example paper title
date: 2026-01-15
topic: LG
authors:
- Your Name
- A. Coauthor
et_al: false
affiliations: []
code: false
code_url: null
url: null
featured: false
draft: true
---
The abstract, in Markdown. Inline math such as $E = mc^2$ is rendered to MathML.
"""

GITIGNORE = """\
# built site and build cache: made again by `sitegen build`
output/
.sitegen-cache/
# local tools
.venv/
__pycache__/
"""

TEMPLATES_README = """\
Templates placed here replace the theme's template of the same name, e.g.
templates/paper.html. A template can also extend the theme's base.html and
override one block. README.md of sitegen, "Customise the theme", lists them.
"""

NETLIFY_TOML = """\
# Netlify builds this site with sitegen and publishes output/.
# requirements.txt says where sitegen is installed from.

[build]
  command = "python3 -m pip install -r requirements.txt && sitegen build"
  publish = "output"

[build.environment]
  PYTHON_VERSION = "3.11"

# Missing pages: Netlify serves output/404.html automatically.

# CSS and JS files carry a content hash in their names: cache them for a year.
[[headers]]
  for = "/assets/*.css"
  [headers.values]
    Cache-Control = "public, max-age=31536000, immutable"

[[headers]]
  for = "/assets/*.js"
  [headers.values]
    Cache-Control = "public, max-age=31536000, immutable"

# The pages load only their own files; 'wasm-unsafe-eval' is for the search index.
[[headers]]
  for = "/*"
  [headers.values]
    Content-Security-Policy = "{csp}"
    X-Content-Type-Options = "nosniff"
    Referrer-Policy = "strict-origin-when-cross-origin"
    X-Frame-Options = "DENY"
    Permissions-Policy = "camera=(), microphone=(), geolocation=()"
"""

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

REQUIREMENTS_HEAD = """\
# What Netlify installs before `sitegen build` (see netlify.toml).
# The name "sitegen" on the Python Package Index belongs to another project,
# so sitegen is named by where it comes from: a git URL of its repository,
# e.g. sitegen[search] @ git+https://HOST/OWNER/sitegen.git@v0.1.0
# or a wheel committed beside this file: ./sitegen-0.1.0-py3-none-any.whl[search]
"""


def sitegen_requirement() -> str | None:
    """A pip requirement for the sitegen running now, when it came from a public URL.

    pip records where a package came from (PEP 610); a git or https install can
    be repeated on Netlify, a local folder cannot.
    """
    try:
        raw = metadata.distribution("sitegen").read_text("direct_url.json")
        info = json.loads(raw) if raw else None
    except (metadata.PackageNotFoundError, ValueError):
        return None
    url = info.get("url") if isinstance(info, dict) else None
    if not isinstance(url, str) or not url.startswith("https://"):
        return None
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git":
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        return f"sitegen[search] @ git+{url}" + (f"@{ref}" if ref else "")
    if "archive_info" in info:
        return f"sitegen[search] @ {url}"
    return None


def requirements_txt() -> tuple[str, bool]:
    """The requirements file, and whether it already names sitegen."""
    req = sitegen_requirement()
    if req:
        return REQUIREMENTS_HEAD + req + "\n", True
    return REQUIREMENTS_HEAD + "# (add the line for sitegen here)\n", False


def new_site(
    folder: Path,
    profile: Path | None = None,
    as_of: dt.date | None = None,
    force: bool = False,
) -> list[str]:
    """Create the site; returns what it did, one line each, for the CLI to print."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SitegenError("exists and is not a folder", folder)
    # a .git folder alone does not count: `git init` before `sitegen new` is fine
    if folder.is_dir() and any(p.name != ".git" for p in folder.iterdir()) and not force:
        raise SitegenError(
            "the folder is not empty: choose a new folder, or pass --force to add the "
            "site's files beside what is there (existing files are never overwritten)",
            folder,
        )
    if profile is not None and not Path(profile).is_file():
        raise SitegenError("no such profile file", profile, exit_code=2)

    requirements, has_sitegen = requirements_txt()
    files = {
        CONFIG_FILE: SITEGEN_YAML,
        ".gitignore": GITIGNORE,
        "netlify.toml": NETLIFY_TOML.format(csp=CSP),
        "requirements.txt": requirements,
        "templates/README.md": TEMPLATES_README,
    }
    lines: list[str] = []
    if profile is None:
        files["content/profile.yaml"] = PROFILE_YAML
        files["content/papers/example-paper.md"] = EXAMPLE_PAPER
    else:
        from .importer import run_import

        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        try:
            report = run_import(Path(profile), folder, as_of=as_of or dt.date.today())
        except SitegenError:
            if created:  # an unusable profile leaves no half-made site behind
                folder.rmdir()
            raise
        lines += [str(w) for w in report.warnings]
        lines += [f"import: {line}" for line in report.lines()]
        made = folder / "content" / "profile.yaml"
        if report.profile_yaml == "created" and made.is_file():  # the portfolio keys, commented
            made.write_text(made.read_text(encoding="utf-8") + PORTFOLIO_KEYS, encoding="utf-8")

    for rel, text in files.items():
        path = folder / rel
        if path.exists():
            lines.append(f"kept {rel} (exists)")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        lines.append(f"created {rel}")
    (folder / "content" / "papers").mkdir(parents=True, exist_ok=True)

    lines.append(f"new site in {folder}. Next:")
    if profile is None:
        lines.append(f"  sitegen import YOUR-PROFILE.txt --site {folder}")
    lines += [f"  sitegen {command} --site {folder}" for command in ("build", "serve")]
    if not has_sitegen:
        lines.append(
            "  before deploying to Netlify, add to requirements.txt where sitegen is "
            "installed from (see the comment in it)"
        )
    return lines
