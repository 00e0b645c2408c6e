/* sitegen search: progressive enhancement over Pagefind's index.
 *
 * Without JavaScript the header shows a link to the publications list and the
 * search page explains itself; this script only adds to that:
 *   1. every page: the header link becomes a search box that opens the search page;
 *   2. the search page: queries pagefind/ (built next to the pages) as you type,
 *      with filters by topic, year and coauthor, and keeps the query in the URL.
 * Results are built with DOM methods (textContent), never from page strings as
 * HTML: Pagefind's excerpt is split on its <mark>s into text nodes.
 * No inline styles, no eval: the site's strict Content-Security-Policy holds.
 * The words it writes come from the page, in the site's language: the header box's
 * data-label, and the search page's JSON block #search-words; a site template made
 * before those were gets the English it had (ENGLISH).
 */
(function () {
  "use strict";

  var PAGE_SIZE = 30;

  // the site's words are Python format strings: {name} is filled in, {{ and }} are braces
  function say(text, fields) {
    return text.replace(/\{\{|\}\}|\{(\w+)\}/g, function (m, name) {
      return name ? fields[name] : m.charAt(0);
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  /* ------------------------------------------------------------ header box */
  function upgradeHeader() {
    var box = document.querySelector(".search-box[data-search-url]");
    if (!box) return;
    var form = el("form", "search-mini");
    form.setAttribute("role", "search");
    form.method = "get";
    form.action = box.getAttribute("data-search-url");
    var text = box.getAttribute("data-label") || "Search papers";
    var label = el("label", "visually-hidden", text);
    label.htmlFor = "site-search";
    var input = el("input", "search-mini-input");
    input.type = "search";
    input.name = "q";
    input.id = "site-search";
    input.placeholder = text;
    input.autocomplete = "off";
    input.spellcheck = false;
    form.appendChild(label);
    form.appendChild(input);
    box.replaceChildren(form);
    box.classList.add("is-live");
  }

  /* ------------------------------------------------------------ search page */
  function excerptNodes(excerpt, content) {
    // Pagefind marks the hits with <mark> (its documented form) in the page's text, where
    // it escapes < and > but not &: read as HTML, "&region" was "®ion", and the texts "&lt;"
    // and "<" read alike. So the text is taken from `content`, the page's raw text, where
    // the excerpt is found; only where it is not are Pagefind's escapes undone.
    var parts = excerpt.split(/<\/?mark>/); // even: plain text, odd: a hit
    var escaped = "", at = []; // at[offset in escaped] = offset in content
    for (var i = 0; i <= content.length; i++) {
      at[escaped.length] = i;
      escaped += content.charAt(i).replace("<", "&lt;").replace(">", "&gt;");
    }
    var o = escaped.indexOf(parts.join(""));
    var frag = document.createDocumentFragment();
    parts.forEach(function (p, n) {
      var start = at[o], end = at[o + p.length];
      var text = o >= 0 && start != null && end != null
        ? content.slice(start, end)
        : p.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
      if (o >= 0) o += p.length;
      frag.appendChild(n % 2 ? el("mark", null, text) : document.createTextNode(text));
    });
    return frag;
  }

  var ENGLISH = {
    more: "Show more", none: "No paper matches {what}.", one: "{n} paper matches {what}.",
    many: "{n} papers match {what}.", query: "\u201c{query}\u201d", filters: "these filters",
    unavailable: "Search is not available here: this copy of the site has no search index " +
      "(it is built by `sitegen build`, and needs the site to be served over http).",
    date: "{month} {year}",
    months: "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" "),
  };
  var WORDS = ENGLISH;

  function formatDate(iso) {
    var m = /^(\d{4})(?:-(\d{2})(?:-\d{2})?)?$/.exec(iso || ""); // 2020, 2020-03, 2020-03-31
    if (!m) return iso || "";
    if (!m[2]) return m[1];
    return say(WORDS.date, { month: WORDS.months[parseInt(m[2], 10) - 1], year: m[1] });
  }

  function resultItem(data) {
    var meta = data.meta || {};
    var colour = /^([0-7]|other)$/.test(meta.colour || "") ? meta.colour : "7";
    var li = el("li", "paper-item search-result t" + colour);
    var h = el("h2", "paper-title");
    h.dir = "auto"; // a title in another script keeps its punctuation on its own side
    var a = el("a", null, meta.title || data.url);
    a.href = data.url;
    h.appendChild(a);
    li.appendChild(h);
    if (meta.authors) li.appendChild(el("p", "paper-authors", meta.authors));
    var line = el("p", "paper-meta");
    if (meta.date) {
      var t = el("time", null, formatDate(meta.date));
      t.setAttribute("datetime", meta.date);
      line.appendChild(t);
    }
    if (meta.topic) {
      if (line.childNodes.length) {
        var dot = el("span", null, " · ");
        dot.setAttribute("aria-hidden", "true");
        line.appendChild(dot);
      }
      line.appendChild(el("span", "chip t" + colour, meta.topic));
    }
    li.appendChild(line);
    if (data.excerpt) {
      var p = el("p", "search-excerpt");
      p.appendChild(excerptNodes(data.excerpt, data.content || ""));
      li.appendChild(p);
    }
    return li;
  }

  function startApp(app) {
    var given = document.getElementById("search-words");
    WORDS = given ? JSON.parse(given.textContent) : ENGLISH;
    var form = app.querySelector(".search-form");
    form.hidden = false; // hidden in the page: without JavaScript it would search nothing
    var input = app.querySelector("#search-q");
    var filtersBox = app.querySelector(".search-filters");
    var status = app.querySelector(".search-status");
    var list = app.querySelector(".search-results");
    var more = el("button", "button search-more", WORDS.more);
    more.type = "button";
    more.hidden = true;
    list.after(more);

    var bundle = new URL(app.getAttribute("data-bundle"), document.baseURI).href;
    var root = new URL(app.getAttribute("data-root") || "./", document.baseURI).pathname;
    var pagefind = null;
    var latest = 0;
    var pending = [];

    function state() {
      var topics = Array.prototype.map.call(
        form.querySelectorAll('input[name="topic"]:checked'),
        function (c) { return c.value; }
      );
      return {
        q: input.value.trim(),
        topics: topics,
        year: form.elements.year.value,
        coauthor: form.elements.coauthor.value,
      };
    }

    function restore() {
      var params = new URLSearchParams(location.search);
      input.value = params.get("q") || "";
      var wanted = params.getAll("topic");
      form.querySelectorAll('input[name="topic"]').forEach(function (c) {
        c.checked = wanted.indexOf(c.value) !== -1;
      });
      form.elements.year.value = params.get("year") || "";
      form.elements.coauthor.value = params.get("coauthor") || "";
    }

    // "Filters (2)": what a folded box holds (a site's own search.html may have no summary)
    var summary = filtersBox.querySelector("summary");
    var named = summary ? summary.textContent : "";
    function countFilters() {
      var s = state();
      var n = s.topics.length + (s.year ? 1 : 0) + (s.coauthor ? 1 : 0);
      if (summary) summary.textContent = n ? named + " (" + n + ")" : named;
      return n;
    }

    function remember(s) {
      var params = new URLSearchParams();
      if (s.q) params.set("q", s.q);
      s.topics.forEach(function (t) { params.append("topic", t); });
      if (s.year) params.set("year", s.year);
      if (s.coauthor) params.set("coauthor", s.coauthor);
      var qs = params.toString();
      history.replaceState(null, "", qs ? "?" + qs : location.pathname);
    }

    function showMore() {
      var batch = pending.splice(0, PAGE_SIZE);
      var ticket = latest;
      return Promise.all(batch.map(function (r) { return r.data(); })).then(function (rows) {
        if (ticket !== latest) return;
        var shown = list.children.length;
        rows.forEach(function (d) { list.appendChild(resultItem(d)); });
        // hiding the focused button would drop keyboard focus to <body>, before the results
        if (!pending.length && document.activeElement === more && list.children[shown]) {
          list.children[shown].querySelector("a").focus();
        }
        more.hidden = pending.length === 0;
      });
    }

    function run() {
      var s = state();
      remember(s);
      var ticket = ++latest;
      var filters = {};
      if (s.topics.length) filters.topic = { any: s.topics };
      if (s.year) filters.year = s.year;
      if (s.coauthor) filters.coauthor = s.coauthor;
      var filtered = Object.keys(filters).length > 0;
      if (!s.q && !filtered) {
        list.replaceChildren();
        more.hidden = true;
        status.textContent = "";
        return Promise.resolve();
      }
      var options = { filters: filters };
      if (!s.q) options.sort = { date: "desc" };
      return pagefind.search(s.q || null, options).then(function (search) {
        if (ticket !== latest || !search) return;
        var first = s.q ? search.results.slice(0, PAGE_SIZE) : [];
        return Promise.all(first.map(function (r) { return r.data(); })).then(function (rows) {
          show(search, rows);
        });
      });

      function show(search, first) {
        if (ticket !== latest) return;
        list.replaceChildren();
        var none = first.length && !first.some(function (d) { return found(d, s.q); });
        pending = none ? [] : search.results.slice();
        var n = pending.length;
        var what = s.q ? say(WORDS.query, { query: s.q }) : WORDS.filters;
        status.textContent = say(n === 0 ? WORDS.none : n === 1 ? WORDS.one : WORDS.many, {
          // 2.472 in German: the separator the site's words give "1,234.5"
          n: String(n).replace(/\B(?=(\d{3})+$)/g, WORDS.group != null ? WORDS.group : ","),
          what: what,
        });
        return showMore();
      }
    }

    // Pagefind answers a word it does not hold with words that start as it does ("re-exam"
    // for "reinforcement", "SQuAD" for "quantum"), which are no match: the first results'
    // matched words tell. In one of them at least, each query word's first four letters
    // (all, if shorter) must stand in a matched word, as in a stemmed match ("studies",
    // "study") or a word within one ("supervised" in "self-supervised", "SAM" in
    // "SqueezeSAM", which Pagefind splits).
    function letters(w) {
      return w.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    }
    function found(d, q) {
      var text = d.raw_content || "";
      var words = text.split(text.indexOf("\u200B") !== -1 ? "\u200B" : /[\r\n\s]+/);
      var hits = [];
      (d.locations || []).forEach(function (at) {
        hits.push(letters(words[at] || "").replace(/[^\p{L}\p{N}]/gu, ""));
      });
      if (!hits.length) return true; // found in a filter or metadata: nothing to tell by
      return letters(q).split(/\s+/).every(function (t) {
        t = t.replace(/[^\p{L}\p{N}]/gu, "");
        var need = Math.min(t.length, 4);
        return hits.some(function (w) { return w.indexOf(t.slice(0, need)) !== -1; });
      });
    }

    var timer = null;
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(run, 180);
    }

    restore();
    import(bundle)
      .then(function (mod) {
        pagefind = mod;
        return pagefind.options({ baseUrl: root }).then(function () { return pagefind.init(); });
      })
      .then(function () {
        filtersBox.hidden = false;
        // folded on a phone, where the topics filled the first screen, unless a link set one
        filtersBox.open = countFilters() > 0 || !window.matchMedia("(max-width: 40rem)").matches;
        app.classList.add("is-live");
        input.addEventListener("input", soon);
        form.addEventListener("change", function (e) {
          if (e.target === input) return;
          countFilters();
          run();
        });
        form.addEventListener("submit", function (e) {
          e.preventDefault();
          run();
        });
        more.addEventListener("click", showMore);
        return run();
      })
      .catch(function () {
        status.textContent = WORDS.unavailable;
      });
  }

  function start() {
    upgradeHeader();
    var app = document.getElementById("search-app");
    if (app) startApp(app);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
