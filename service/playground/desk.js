// The article desk: posts an article to /v1/articles like any client, long-polls the job and
// shows the result. The article is untrusted input: every piece of it reaches the page as a
// text node (textContent, createElement), never as markup.
"use strict";

(() => {
  const KEY_STORE = "newsdesk.apiKey";
  const ARTICLE_STORE = "newsdesk.article."; // + job id: the text a job was made from
  const ENDED = new Set(["finished", "failed", "canceled"]);
  const SVG = "http://www.w3.org/2000/svg";

  const TYPE_LABELS = {
    PERSON: "People",
    NORP: "Nationalities, religious and political groups",
    FAC: "Buildings, airports, roads, bridges",
    ORG: "Organisations",
    GPE: "Countries, cities, states",
    LOC: "Other places",
    PRODUCT: "Products",
    EVENT: "Events",
    WORK_OF_ART: "Titles of works",
    LAW: "Laws",
    LANGUAGE: "Languages",
    DATE: "Dates",
    TIME: "Times",
    PERCENT: "Percentages",
    MONEY: "Money",
    QUANTITY: "Quantities",
    ORDINAL: "Ordinals",
    CARDINAL: "Numbers",
  };
  const REASON_LABELS = {
    navigation: "menus and section links",
    share: "share buttons",
    subscription: "subscription offers",
    login: "sign-in prompts",
    cookie: "cookie notices",
    caption: "photo captions",
    credit: "photo and reporting credits",
    related: "related stories and teasers",
    advertisement: "advertising",
    newsletter: "newsletter sign-ups",
    comments: "comments",
    footer: "page footer",
    duplicate: "a repeated paragraph",
    metadata: "headline, standfirst, byline, date (kept as metadata)",
    other: "other page text",
  };
  const VERDICT_LABELS = {
    identical: "Identical",
    near_duplicate: "Near duplicate",
    same_story: "Same story",
  };
  const FIELD_LABELS = {
    text: "Article",
    analyses: "Analyses",
    content_type: "Format",
  };

  const $ = (id) => document.getElementById(id);
  const form = $("article-form");
  const articleInput = $("article");
  const keyField = $("key-field");
  const keyInput = $("api-key");
  const formatInput = $("format");
  const analyseButton = $("analyse");
  const statusLine = $("status");
  const problemBox = $("problem");
  const tooltip = $("tooltip");

  let config = { auth_required: false, max_wait: 30 };
  let following = null; // { jobId, controller } of the job being shown
  let waitingForKey = null; // a job to open again once a key is given
  let shownEntities = [];

  // --- small DOM helpers: text only ------------------------------------------------------

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, String(value));
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clear(node) {
    node.replaceChildren();
    return node;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function number(value, digits = 0) {
    if (value === null || value === undefined) return "—";
    return Number(value).toLocaleString("en", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const whole = Math.round(seconds);
    const minutes = Math.floor(whole / 60);
    const rest = String(whole % 60).padStart(2, "0");
    return minutes ? `${minutes} min ${rest} s` : `${whole} s`;
  }

  function percent(share) {
    return `${Math.round(share * 100)}%`;
  }

  // --- offsets -----------------------------------------------------------------------------

  /**
   * The service counts offsets in Unicode code points (Python string indices); JavaScript
   * strings count UTF-16 units. Returns a function from the one to the other.
   */
  function codeUnitIndex(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return (offset) => offset;
    const units = [0];
    let unit = 0;
    for (const character of text) {
      unit += character.length;
      units.push(unit);
    }
    return (offset) => units[Math.max(0, Math.min(offset, units.length - 1))];
  }

  /** Spans sorted by start, each clipped to the text, dropping any that overlap one kept. */
  function disjoint(spans, length) {
    const sorted = spans
      .map((span) => ({ ...span, start: Math.max(0, span.start), end: Math.min(length, span.end) }))
      .filter((span) => span.end > span.start)
      .sort((a, b) => a.start - b.start || b.end - a.end);
    const kept = [];
    for (const span of sorted) {
      if (!kept.length || span.start >= kept[kept.length - 1].end) kept.push(span);
    }
    return kept;
  }

  /**
   * Writes `text` into `container` with two layers of spans: `outer` ones (quotes) holding
   * `inner` ones (entity mentions). Offsets are UTF-16 indices. An inner span that crosses
   * an outer one's edge is cut in two there. Each span has `make()`, giving its element.
   */
  function writeLayered(container, text, outer, inner) {
    outer = disjoint(outer, text.length);
    inner = disjoint(inner, text.length);
    const cuts = new Set([0, text.length]);
    for (const span of [...outer, ...inner]) {
      cuts.add(span.start);
      cuts.add(span.end);
    }
    const points = [...cuts].sort((a, b) => a - b);
    let o = 0;
    let i = 0;
    let outerSpan = null;
    let outerNode = null;
    let innerSpan = null;
    let innerNode = null;
    for (let p = 0; p + 1 < points.length; p++) {
      const from = points[p];
      const to = points[p + 1];
      while (o < outer.length && outer[o].end <= from) o++;
      while (i < inner.length && inner[i].end <= from) i++;
      const inOuter = o < outer.length && outer[o].start <= from ? outer[o] : null;
      const inInner = i < inner.length && inner[i].start <= from ? inner[i] : null;
      if (inOuter !== outerSpan) {
        outerSpan = inOuter;
        outerNode = inOuter ? inOuter.make() : null;
        if (outerNode) container.append(outerNode);
        innerSpan = null;
      }
      const parent = outerNode || container;
      if (inInner !== innerSpan) {
        innerSpan = inInner;
        innerNode = inInner ? inInner.make() : null;
        if (innerNode) parent.append(innerNode);
      }
      (innerNode && innerSpan ? innerNode : parent).append(text.slice(from, to));
    }
  }

  // --- the API -----------------------------------------------------------------------------

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY_STORE) || "";
    } catch {
      return "";
    }
  }

  /** The field is the key's one source; the tab's storage only keeps it across reloads. */
  function saveKey() {
    const key = keyInput.value.trim();
    try {
      if (key) sessionStorage.setItem(KEY_STORE, key);
      else sessionStorage.removeItem(KEY_STORE);
    } catch {
      // No storage (a private mode): the field still holds it for this page.
    }
    return key;
  }

  function requestHeaders(withBody) {
    const headers = { Accept: "application/json" };
    if (withBody) headers["Content-Type"] = "application/json";
    const key = keyInput.value.trim();
    if (key) headers.Authorization = `Bearer ${key}`;
    return headers;
  }

  /** One call; the answer's JSON (or problem document) is read whatever the status. */
  async function call(path, options = {}) {
    const response = await fetch(path, {
      credentials: "omit",
      cache: "no-store",
      ...options,
      headers: requestHeaders(Boolean(options.body)),
    });
    let body = null;
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) {
      try {
        body = await response.json();
      } catch {
        body = null;
      }
    }
    return { response, body };
  }

  function rememberArticle(jobId, text, contentType) {
    try {
      sessionStorage.setItem(ARTICLE_STORE + jobId, JSON.stringify({ text, contentType }));
    } catch {
      // Too large for the tab's storage: the removed view is rebuilt from the spans instead.
    }
  }

  function recalledArticle(jobId) {
    try {
      const stored = sessionStorage.getItem(ARTICLE_STORE + jobId);
      return stored ? JSON.parse(stored) : null;
    } catch {
      return null;
    }
  }

  // --- problems ------------------------------------------------------------------------------

  const FIELD_ERRORS = {
    text: [articleInput, $("article-error")],
    analyses: [$("analyses"), $("analyses-error")],
    content_type: [formatInput, $("format-error")],
  };

  function clearProblems() {
    show(problemBox, false);
    clear(problemBox);
    for (const [input, message] of Object.values(FIELD_ERRORS)) {
      input.removeAttribute("aria-invalid");
      clear(message);
      show(message, false);
    }
    show($("key-error"), false);
    keyInput.removeAttribute("aria-invalid");
  }

  function fieldLabel(field) {
    const [head, ...rest] = String(field || "").split(".");
    const label = FIELD_LABELS[head] || head || "The request";
    if (head === "analyses" && rest.length) {
      const picked = checkedAnalyses()[Number(rest[0])];
      return picked ? `${label} (${picked})` : label;
    }
    return rest.length ? `${label} (${rest.join(".")})` : label;
  }

  /** An RFC 9457 problem document (or a failed call without one), in words. */
  function showProblem(response, body, doing) {
    clear(problemBox);
    const status = response ? response.status : 0;
    const title = (body && body.title) || (response && response.statusText) || "failed";
    problemBox.append(
      el("p", { class: "problem-title" }, `${doing}: ${title}${status ? ` (${status})` : ""}`),
    );
    if (body && body.detail) problemBox.append(el("p", {}, body.detail));
    const errors = body && Array.isArray(body.errors) ? body.errors : [];
    if (errors.length) {
      const list = el("ul", { class: "problem-errors" });
      for (const error of errors) {
        const why = error.detail || error.message || "is not valid";
        const where =
          error.location && error.location !== "body" ? ` (in the ${error.location})` : "";
        list.append(el("li", {}, el("strong", {}, fieldLabel(error.field)), `${where}: ${why}`));
        const [input, message] = FIELD_ERRORS[String(error.field || "").split(".")[0]] || [];
        if (input) {
          input.setAttribute("aria-invalid", "true");
          message.append(el("span", {}, why), " ");
          show(message, true);
        }
      }
      problemBox.append(list);
    }
    if (status === 401) {
      show(keyField, true);
      keyInput.setAttribute("aria-invalid", "true");
      $("key-error").textContent = keyInput.value.trim()
        ? "This key was refused: check it and try again."
        : "This service needs an API key.";
      show($("key-error"), true);
      keyInput.focus();
    } else if (status === 429 || status === 503) {
      const retry = response.headers.get("Retry-After");
      if (retry) problemBox.append(el("p", {}, `Try again in ${retry} seconds.`));
    }
    if (body && body.request_id) {
      problemBox.append(el("p", { class: "request-id" }, `Request id: ${body.request_id}`));
    }
    show(problemBox, true);
    setStatus("");
  }

  function showUnreachable(error, doing) {
    clear(problemBox);
    problemBox.append(
      el("p", { class: "problem-title" }, `${doing}: the service did not answer`),
      el("p", {}, String((error && error.message) || error)),
    );
    show(problemBox, true);
    setStatus("");
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }

  // --- submitting and following a job --------------------------------------------------------

  function checkedAnalyses() {
    return [...document.querySelectorAll("#analyses input[type=checkbox]:checked")].map(
      (box) => box.value,
    );
  }

  async function analyse(event) {
    event.preventDefault();
    clearProblems();
    const text = articleInput.value;
    const body = { text, analyses: checkedAnalyses() };
    if (formatInput.value) body.content_type = formatInput.value;
    analyseButton.disabled = true;
    setStatus("Sending…");
    let answer;
    try {
      answer = await call("v1/articles", { method: "POST", body: JSON.stringify(body) });
    } catch (error) {
      showUnreachable(error, "Sending the article");
      return;
    } finally {
      analyseButton.disabled = false;
    }
    const { response, body: job } = answer;
    if (response.status !== 202 || !job || !job.id) {
      showProblem(response, job, "Sending the article");
      return;
    }
    rememberArticle(job.id, text, body.content_type || null);
    history.pushState({ job: job.id }, "", `playground?job=${encodeURIComponent(job.id)}`);
    follow(job.id, job);
  }

  function describeStatus(job) {
    switch (job.status) {
      case "queued":
        return "Queued: waiting for a worker…";
      case "started":
        return "Analysing…";
      case "finished": {
        const total = job.timings && job.timings.total;
        if (job.cached) return "Finished (an earlier identical request's result).";
        return total !== undefined ? `Finished in ${number(total, 2)} s.` : "Finished.";
      }
      case "failed":
        return "The analysis failed.";
      case "canceled":
        return "The job was cancelled.";
      default:
        return job.status;
    }
  }

  function pause(ms, signal) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Long-polls the job until it ends, then shows it. A newer job replaces this one. */
  async function follow(jobId, job) {
    if (following) following.controller.abort();
    const controller = new AbortController();
    const mine = { jobId, controller };
    following = mine;
    waitingForKey = null;
    const wait = Math.max(1, Math.min(30, config.max_wait || 30));
    let failures = 0;
    setStatus(job ? describeStatus(job) : "Opening the job…");
    // At least one read: the answer to a POST may leave out what a finished job holds.
    let read = false;
    while (!read || !ENDED.has(job.status)) {
      let answer;
      try {
        answer = await call(`v1/jobs/${encodeURIComponent(jobId)}?wait=${wait}`, {
          signal: controller.signal,
        });
      } catch (error) {
        if (controller.signal.aborted) return;
        failures += 1;
        if (failures > 5) {
          showUnreachable(error, "Following the job");
          return;
        }
        await pause(1000 * failures, controller.signal); // back off, then ask again
        if (controller.signal.aborted) return;
        continue;
      }
      if (following !== mine) return;
      const { response, body } = answer;
      if (!response.ok) {
        if (response.status === 401) waitingForKey = jobId;
        showProblem(response, body, "Opening the job");
        return;
      }
      failures = 0;
      read = true;
      job = body;
      setStatus(describeStatus(job));
    }
    if (following !== mine) return;
    render(job);
  }

  // --- the result ----------------------------------------------------------------------------

  function render(job) {
    hideTooltip();
    show($("results"), true);
    const line = clear($("job-line"));
    line.append(
      "Job ",
      el("a", { href: `playground?job=${encodeURIComponent(job.id)}` }, el("code", {}, job.id)),
      ` · ${job.status}`,
      job.created_at
        ? ` · queued ${job.created_at.replace("T", " ").replace(/\.\d+Z$/, " UTC")}`
        : "",
    );
    const jobError = clear($("job-error"));
    show(jobError, job.status !== "finished");
    show($("columns"), job.status === "finished");
    if (job.status === "failed") {
      const error = job.error || {};
      jobError.append(
        el("p", { class: "problem-title" }, "The analysis failed"),
        el("p", {}, [error.type, error.message].filter(Boolean).join(": ") || "No reason given."),
      );
    } else if (job.status === "canceled") {
      jobError.append(
        el("p", { class: "problem-title" }, "This job was cancelled before it ended."),
      );
    }
    if (job.status !== "finished") {
      show($("warnings"), false);
      return;
    }
    const result = job.result || {};
    const submitted = recalledArticle(job.id);
    renderWarnings(result.warnings || []);
    renderArticle(result, submitted);
    renderRemoved(result.cleanup, submitted);
    renderMetadata(result.cleanup, result.stats);
    renderStats(result.stats);
    renderEntityList(result.entities);
    renderDuplicates(result.duplicates);
    showView("article");
  }

  function renderWarnings(warnings) {
    const list = clear($("warnings"));
    for (const warning of warnings) {
      list.append(el("li", {}, el("strong", {}, `${warning.analysis}: `), warning.detail));
    }
    show(list, warnings.length > 0);
  }

  function entityOfMark(mark) {
    return shownEntities[Number(mark.dataset.entity)];
  }

  function renderArticle(result, submitted) {
    const container = clear($("article-text"));
    const entities = result.entities || [];
    const quotes = result.quotes || [];
    shownEntities = entities;
    // Offsets point into the cleaned body when cleanup ran, else into the submitted text.
    const text = result.cleanup ? result.cleanup.text : submitted && submitted.text;
    if (typeof text !== "string") {
      container.append(
        el(
          "p",
          { class: "note" },
          "The service does not keep the submitted text with a job: ask for Cleanup to see " +
            "the article here.",
        ),
      );
      renderLegend([]);
      return;
    }
    const at = codeUnitIndex(text);
    const speakers = new Set(
      quotes
        .filter((q) => q.speaker && q.speaker.start !== undefined)
        .map((q) => `${q.speaker.start}:${q.speaker.end}`),
    );
    const mentions = [];
    entities.forEach((entity, index) => {
      for (const mention of entity.mentions || []) {
        mentions.push({
          start: at(mention.start),
          end: at(mention.end),
          make: () => {
            const mark = el("mark", {
              tabindex: "0",
              "data-type": entity.type,
              "data-entity": String(index),
              class: speakers.has(`${mention.start}:${mention.end}`) ? "speaker" : null,
            });
            return mark;
          },
        });
      }
    });
    const quoteSpans = quotes.map((quote) => ({
      start: at(quote.start),
      end: at(quote.end),
      make: () => {
        const who = quote.speaker ? quote.speaker.name : "no speaker found";
        return el("span", {
          class: "quote",
          "data-speaker": who,
          title: quote.speaker
            ? `Quote by ${who} (${quote.speaker.attribution})`
            : "Quote, speaker unknown",
        });
      },
    }));
    writeLayered(container, text, quoteSpans, mentions);
    if (!text.trim()) {
      container.append(el("p", { class: "note" }, "Nothing of the article was left as its body."));
    }
    renderLegend(entities);
  }

  function renderLegend(entities) {
    const legend = clear($("legend"));
    const counts = new Map();
    for (const entity of entities) counts.set(entity.type, (counts.get(entity.type) || 0) + 1);
    for (const [type, count] of [...counts].sort((a, b) => b[1] - a[1])) {
      legend.append(
        el(
          "li",
          {},
          el("span", { class: "swatch", "data-type": type, "aria-hidden": "true" }),
          `${TYPE_LABELS[type] || type} `,
          el("span", { class: "muted" }, `${type} · ${count}`),
        ),
      );
    }
    show(legend, counts.size > 0);
    show($("article-view-hint"), counts.size > 0);
  }

  /** Every mention of entity `index` highlighted (or none, when it already was). */
  function selectEntity(index) {
    const already = document.querySelector(`#article-text mark.selected[data-entity="${index}"]`);
    for (const mark of document.querySelectorAll("#article-text mark.selected")) {
      mark.classList.remove("selected");
    }
    for (const button of document.querySelectorAll("#entity-list button[aria-pressed=true]")) {
      button.setAttribute("aria-pressed", "false");
    }
    if (already || index === null) return;
    for (const mark of document.querySelectorAll(`#article-text mark[data-entity="${index}"]`)) {
      mark.classList.add("selected");
    }
    const button = document.querySelector(`#entity-list button[data-entity="${index}"]`);
    if (button) button.setAttribute("aria-pressed", "true");
  }

  function showTooltip(mark) {
    const entity = entityOfMark(mark);
    if (!entity) return;
    clear(tooltip);
    tooltip.append(
      el("strong", {}, entity.name),
      el(
        "span",
        { class: "muted" },
        ` ${TYPE_LABELS[entity.type] || entity.type} (${entity.type})`,
      ),
    );
    const others = (entity.aliases || []).filter((alias) => alias !== entity.name);
    const facts = el("dl", {});
    if (others.length) facts.append(el("dt", {}, "Also"), el("dd", {}, others.join(", ")));
    facts.append(
      el("dt", {}, "Mentions"),
      el("dd", {}, String(entity.count)),
      el("dt", {}, "Salience"),
      el("dd", {}, number(entity.salience, 2)),
    );
    if (entity.place) {
      const place = entity.place;
      const where = [place.feature, place.country_code].filter(Boolean).join(", ");
      facts.append(el("dt", {}, "Place"), el("dd", {}, `${where} (GeoNames ${place.geonames_id})`));
    }
    tooltip.append(facts);
    show(tooltip, true);
    mark.setAttribute("aria-describedby", "tooltip");
    const box = mark.getBoundingClientRect();
    const width = tooltip.offsetWidth;
    const left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
    tooltip.style.left = `${left + window.scrollX}px`;
    tooltip.style.top = `${box.bottom + window.scrollY + 6}px`;
  }

  function hideTooltip() {
    show(tooltip, false);
    for (const mark of document.querySelectorAll("#article-text mark[aria-describedby]")) {
      mark.removeAttribute("aria-describedby");
    }
  }

  function renderRemoved(cleanup, submitted) {
    const container = clear($("removed-text"));
    const note = $("removed-note");
    const button = $("show-removed");
    button.disabled = !cleanup;
    if (!cleanup) {
      note.textContent = "";
      renderReasonLegend([]);
      return;
    }
    const removed = cleanup.removed || [];
    renderReasonLegend(removed);
    // Removals point into the submitted text, or into the text extracted from HTML.
    let source = null;
    if (cleanup.source === "html") source = cleanup.source_text;
    else if (submitted && typeof submitted.text === "string") source = submitted.text;
    if (typeof source === "string") {
      note.textContent =
        cleanup.source === "html"
          ? "The text extracted from the HTML, with every piece cleanup removed marked."
          : "The submitted text, with every piece cleanup removed marked.";
      const at = codeUnitIndex(source);
      const spans = removed.map((piece) => ({
        start: at(piece.start),
        end: at(piece.end),
        make: () => removedElement(piece.reason),
      }));
      writeLayered(container, source, [], spans);
      return;
    }
    note.textContent =
      "The service does not keep the submitted text with a job, so it is rebuilt here from " +
      "the body's paragraphs and the removed pieces, in their order; line breaks between " +
      "them may differ from the original.";
    const paragraphs = cleanup.text.split("\n\n");
    const pieces = [
      ...(cleanup.paragraphs || []).map((span, index) => ({
        start: span.start,
        end: span.end,
        text: paragraphs[index] || "",
        reason: null,
      })),
      ...removed.map((piece) => ({ ...piece })),
    ].sort((a, b) => a.start - b.start);
    let end = null;
    for (const piece of pieces) {
      if (end !== null) container.append(piece.start - end > 1 ? "\n\n" : "\n");
      if (piece.reason) container.append(removedElement(piece.reason, piece.text));
      else container.append(piece.text);
      end = piece.end;
    }
  }

  function removedElement(reason, text) {
    const node = el("del", {
      "data-reason": reason,
      title: `Removed: ${REASON_LABELS[reason] || reason}`,
    });
    if (text !== undefined) node.append(text);
    return node;
  }

  function renderReasonLegend(removed) {
    const legend = clear($("removed-legend"));
    const counts = new Map();
    for (const piece of removed) counts.set(piece.reason, (counts.get(piece.reason) || 0) + 1);
    for (const [reason, count] of [...counts].sort((a, b) => b[1] - a[1])) {
      legend.append(
        el(
          "li",
          {},
          el("span", { class: "reason", "data-reason": reason }, reason),
          ` ${REASON_LABELS[reason] || reason} `,
          el("span", { class: "muted" }, `· ${count}`),
        ),
      );
    }
    if (!counts.size) legend.append(el("li", {}, "Nothing was removed."));
  }

  function renderMetadata(cleanup, stats) {
    const section = $("metadata-section");
    show(section, Boolean(cleanup));
    if (!cleanup) return;
    const list = clear($("metadata"));
    const row = (label, value) => {
      const empty =
        value === null ||
        value === undefined ||
        value === "" ||
        (Array.isArray(value) && !value.length);
      list.append(
        el("dt", {}, label),
        el(
          "dd",
          { class: empty ? "muted" : null },
          empty ? "—" : Array.isArray(value) ? value.join(", ") : value,
        ),
      );
    };
    row("Headline", cleanup.title);
    row("Standfirst", cleanup.standfirst);
    row("Byline", cleanup.byline);
    row("Authors", cleanup.authors);
    if (cleanup.published_at) {
      list.append(
        el("dt", {}, "Date"),
        el(
          "dd",
          {},
          el("time", { datetime: cleanup.published_at }, cleanup.published_at.replace("T", " ")),
        ),
      );
    } else {
      row("Date", null);
    }
    if (cleanup.dateline) row("Dateline", cleanup.dateline);
    if (cleanup.contributors && cleanup.contributors.length)
      row("Contributors", cleanup.contributors);
    if (stats && stats.language) {
      row("Language", `${stats.language.code} (${stats.language.source})`);
    }
  }

  function renderStats(stats) {
    const section = $("stats-section");
    show(section, Boolean(stats));
    if (!stats) return;
    const tiles = clear($("stat-tiles"));
    const readability = stats.readability || {};
    const tile = (label, value, detail) =>
      tiles.append(
        el(
          "div",
          { class: "tile" },
          el("dt", {}, label),
          el("dd", {}, value, detail ? el("small", {}, detail) : null),
        ),
      );
    tile("Words", number(stats.words), `${number(stats.sentences)} sentences`);
    tile("Reading time", duration(stats.reading_time_seconds));
    tile("Speaking time", duration(stats.speaking_time_seconds));
    tile(
      "Readability grade",
      readability.grade_level === null || readability.grade_level === undefined
        ? "—"
        : number(readability.grade_level, 1),
      readability.reason ||
        (readability.flesch_reading_ease !== null && readability.flesch_reading_ease !== undefined
          ? `Flesch ${number(readability.flesch_reading_ease, 0)}`
          : null),
    );
    tile("Quoted", percent(stats.quoted_word_share || 0), `${number(stats.direct_quotes)} quotes`);
    tile("Paragraphs", number(stats.paragraphs));

    const keywords = clear($("keywords"));
    for (const keyword of stats.keywords || []) {
      keywords.append(
        el("li", {}, keyword.phrase, el("span", { class: "muted" }, ` ×${keyword.count}`)),
      );
    }
    if (!keywords.childElementCount) keywords.append(el("li", { class: "muted" }, "None"));
    show($("keywords-title"), true);

    const byType = clear($("by-type"));
    const counts = Object.entries(stats.entities_by_type || {});
    if (!counts.length) {
      byType.append(
        el(
          "p",
          { class: "muted" },
          stats.entities_by_type ? "No entities." : "Entities were not analysed.",
        ),
      );
      return;
    }
    byType.append(barChart(counts));
  }

  /** Entities by type as horizontal bars: inline SVG, labelled for screen readers. */
  function barChart(counts) {
    const row = 22;
    const labelWidth = 96;
    const width = 300;
    const barSpace = width - labelWidth - 34;
    const most = Math.max(...counts.map(([, count]) => count));
    const height = counts.length * row;
    const chart = svg("svg", {
      viewBox: `0 0 ${width} ${height}`,
      width: "100%",
      role: "img",
      "aria-labelledby": "by-type-chart-title",
      class: "bars",
    });
    chart.append(
      svg(
        "title",
        { id: "by-type-chart-title" },
        `Entities by type: ${counts.map(([type, count]) => `${type} ${count}`).join(", ")}`,
      ),
    );
    counts.forEach(([type, count], index) => {
      const y = index * row;
      const length = Math.max(2, (count / most) * barSpace);
      chart.append(
        svg("text", { x: labelWidth - 6, y: y + row / 2, class: "bar-label" }, type),
        svg("rect", {
          x: labelWidth,
          y: y + 4,
          width: length,
          height: row - 8,
          rx: 2,
          "data-type": type,
        }),
        svg(
          "text",
          { x: labelWidth + length + 4, y: y + row / 2, class: "bar-value" },
          String(count),
        ),
      );
    });
    return chart;
  }

  function renderEntityList(entities) {
    const section = $("entities-section");
    show(section, Boolean(entities && entities.length));
    const list = clear($("entity-list"));
    if (!entities) return;
    entities.forEach((entity, index) => {
      list.append(
        el(
          "li",
          {},
          el(
            "button",
            { type: "button", "data-entity": String(index), "aria-pressed": "false" },
            el("span", { class: "swatch", "data-type": entity.type, "aria-hidden": "true" }),
            entity.name,
            el(
              "span",
              { class: "muted" },
              ` ${entity.type} · ${entity.count}× · ${number(entity.salience, 2)}`,
            ),
          ),
        ),
      );
    });
  }

  function renderDuplicates(duplicates) {
    const section = $("duplicates-section");
    show(section, Boolean(duplicates));
    if (!duplicates) return;
    const box = clear($("duplicates"));
    if (!duplicates.indexed) {
      box.append(
        el(
          "p",
          { class: "muted" },
          `Too short to compare: ${duplicates.shingles} distinct five-word runs (10 are needed).`,
        ),
      );
      return;
    }
    if (!duplicates.matches.length) {
      box.append(el("p", { class: "muted" }, "No earlier article of this key is similar."));
      return;
    }
    const list = el("ul", { class: "matches" });
    for (const match of duplicates.matches) {
      list.append(
        el(
          "li",
          {},
          el(
            "a",
            { href: `playground?job=${encodeURIComponent(match.job_id)}` },
            `${VERDICT_LABELS[match.verdict] || match.verdict} · ${percent(match.similarity)}`,
          ),
          el(
            "span",
            { class: "muted" },
            ` job ${match.job_id.slice(0, 8)}, ${match.passages.length} shared paragraph` +
              `${match.passages.length === 1 ? "" : "s"}`,
          ),
        ),
      );
    }
    box.append(list);
  }

  function showView(which) {
    const removed = which === "removed" && !$("show-removed").disabled;
    show($("article-view"), !removed);
    show($("removed-view"), removed);
    $("show-article").setAttribute("aria-pressed", String(!removed));
    $("show-removed").setAttribute("aria-pressed", String(removed));
    hideTooltip();
  }

  // --- events ------------------------------------------------------------------------------

  function openFromAddress() {
    const jobId = new URLSearchParams(location.search).get("job");
    clearProblems();
    if (jobId) {
      follow(jobId, null);
      return;
    }
    if (following) following.controller.abort();
    following = null;
    setStatus("");
    show($("results"), false);
  }

  function wire() {
    form.addEventListener("submit", analyse);
    $("show-article").addEventListener("click", () => showView("article"));
    $("show-removed").addEventListener("click", () => showView("removed"));

    const article = $("article-text");
    article.addEventListener("click", (event) => {
      const mark = event.target.closest("mark[data-entity]");
      if (mark) selectEntity(mark.dataset.entity);
    });
    article.addEventListener("keydown", (event) => {
      const mark = event.target.closest("mark[data-entity]");
      if (!mark) return;
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        selectEntity(mark.dataset.entity);
      } else if (event.key === "Escape") {
        hideTooltip();
      }
    });
    article.addEventListener("mouseover", (event) => {
      const mark = event.target.closest("mark[data-entity]");
      if (mark) showTooltip(mark);
    });
    article.addEventListener("mouseout", (event) => {
      if (event.target.closest("mark[data-entity]") && document.activeElement !== event.target) {
        hideTooltip();
      }
    });
    article.addEventListener("focusin", (event) => {
      const mark = event.target.closest("mark[data-entity]");
      if (mark) showTooltip(mark);
    });
    article.addEventListener("focusout", hideTooltip);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") hideTooltip();
    });

    $("entity-list").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-entity]");
      if (button) selectEntity(button.dataset.entity);
    });

    keyInput.addEventListener("input", saveKey);
    keyInput.addEventListener("change", () => {
      if (saveKey() && waitingForKey) follow(waitingForKey, null);
    });

    window.addEventListener("popstate", openFromAddress);
  }

  async function start() {
    wire();
    keyInput.value = storedKey();
    try {
      const response = await fetch("playground/config.json", { cache: "no-store" });
      if (response.ok) config = { ...config, ...(await response.json()) };
    } catch {
      // Without it, the key field appears on the first 401.
    }
    show(keyField, Boolean(config.auth_required) || Boolean(keyInput.value));
    document.body.dataset.ready = "true";
    openFromAddress();
  }

  start();
})();
