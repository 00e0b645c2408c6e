"""Hostile input and no data loss: the suite that proves sitegen survives both.

Text comes from many hands (profiles pasted from the web, hand-edited Markdown,
other people's themes); sitegen must keep working, lose nothing and run nothing
it should not. Each module proves one part with real files and the real CLI:

- test_parser_fuzz: over 10,000 generated profiles, valid ones round-tripping
  field for field through import and load, damaged ones giving a Profile or
  one `file:line` error (in-process, and a sample through the CLI: exit 2);
- test_front_matter_fuzz: the fast front-matter reader against PyYAML on
  hand-edited YAML full of YAML 1.1 traps;
- test_injection: script, event-handler, `javascript:`/`data:` links, Jinja
  syntax and tag breakers in every field, checked in every output format and
  in headless Chromium (no dialog, no injected element, text shown as written);
- test_mathml: LaTeX whose commands become MathML links, styles, classes or
  raw markup (`\\href`, `\\style`, `\\text{<script>}`), generated, nested and
  malformed: only allowlisted MathML comes out, in every renderer and a real build;
- test_paths: traversal and odd slugs, titles and names: nothing written
  outside output/, one valid unique page for each paper and person;
- test_no_data_loss: imports and builds SIGKILLed at random moments and at
  every kind of file-system change (kill_at.py), hand edits, failed builds;
- test_shapes: one paper, no coauthors, one year... still sensible pages;
- test_scale: 10,000 papers, with peak memory;
- test_serve_escape: the dev server refuses every way out of its folder and
  listens on loopback unless told otherwise.

Every generated case is deterministic (fixed seeds, derandomized Hypothesis),
and the figures (case counts, times, kill outcomes, memory) are printed at the
end of the run under "hostile input: figures". Run it alone with
`python -m pytest tests/hostile`; `-m "not slow"` skips the SIGKILL and scale tests.
"""
