// The tweetner trends dashboard: polls /v1/trends, follows the live event
// stream /v1/trends/events, and shows the tweets behind a trend from
// /v1/trends/tweets. No framework and no build step, so the server can
// embed it as is. Text from tweets only ever goes in through textContent.
"use strict";

const K = 8;
const REFRESH_MS = 3000;
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

// A server with an api_key_file needs a key on the data calls. It comes
// from the link (`/#key=KEY`: a fragment never reaches the server or its
// logs), is kept for this tab only, and is sent as `access_token`, the one
// way an EventSource can carry it.
const KEY_SLOT = "tweetner-api-key";
function takeKeyFromHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  const key = h.get("key");
  if (!key) return;
  sessionStorage.setItem(KEY_SLOT, key);
  h.delete("key");
  const rest = h.toString();
  history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
}
function authed(url) {
  const key = sessionStorage.getItem(KEY_SLOT);
  if (!key) return url;
  return `${url}${url.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(key)}`;
}
function needsKey(r) {
  if (r.status !== 401) return false;
  $("status").textContent = "this server needs an API key: open the page as /#key=YOUR_KEY";
  $("status").className = "status down";
  return true;
}

function fmtTime(ms) {
  if (ms === null || ms === undefined) return "–";
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function fmtNum(x) {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

function sparkline(values) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 90 22");
  svg.setAttribute("aria-hidden", "true");
  const max = Math.max(1e-9, ...values);
  const n = Math.max(1, values.length - 1);
  const points = values.map((v, i) => `${(i * 90 / n).toFixed(1)},${(21 - v / max * 20).toFixed(1)}`);
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.join(" "));
  svg.append(line);
  return svg;
}

function windowCount(entry, window) {
  const c = (entry.counts || []).find((w) => w.window === window);
  return c ? c.count : 0;
}

function entityRow(entry, value) {
  const name = el("button", { class: "name", title: (entry.variants || []).join(", ") }, entry.entity);
  name.addEventListener("click", () => showTweets({ entity: entry.entity, type: entry.type }));
  return el(
    "li",
    { class: entry.bursting ? "bursting" : "", "data-entity": entry.entity, "data-type": entry.type },
    name,
    el("span", { class: "value" }, value),
    sparkline(entry.sparkline || []),
  );
}

function renderLists(target, byType, pick, value, emptyText) {
  const cards = [];
  for (const [type, ranking] of Object.entries(byType).sort()) {
    const entries = ranking[pick];
    if (!entries.length) continue;
    cards.push(el("div", { class: "card", "data-type": type },
      el("h3", {}, type),
      el("ol", {}, ...entries.map((e) => entityRow(e, value(e))))));
  }
  target.replaceChildren(...(cards.length ? cards : [el("p", { class: "empty" }, emptyText)]));
}

function eventItem(ev, fresh) {
  const item = el("li", { class: fresh ? "fresh" : "", "data-entity": ev.entity, "data-type": ev.type },
    el("time", {}, fmtTime(ev.detected_at)),
    el("strong", {}, ev.entity),
    el("span", { class: "type" }, ev.type),
    ` ${fmtNum(ev.count)} in ${ev.window} (expected ${fmtNum(ev.baseline)})`);
  const others = (ev.topic.entities || []).filter((e) => e !== ev.entity);
  if (others.length) item.append(el("div", { class: "value" }, "with " + others.join(", ")));
  item.addEventListener("click", () => showTweets({ ids: ev.sample_ids, title: ev.entity }));
  return item;
}

const seenEvents = new Set();
function eventKey(ev) {
  return `${ev.entity}\u0000${ev.type}\u0000${ev.detected_at}`;
}

function addEvents(events, fresh) {
  const list = $("timeline");
  // Oldest first, each placed on top: the list reads newest first.
  for (const ev of events.slice().reverse()) {
    const key = eventKey(ev);
    if (seenEvents.has(key)) continue;
    seenEvents.add(key);
    list.prepend(eventItem(ev, fresh));
  }
  while (list.children.length > 200) list.lastChild.remove();
}

async function refresh() {
  try {
    const r = await fetch(authed(`/v1/trends?k=${K}&events=50`));
    if (needsKey(r)) return;
    const body = await r.json();
    if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText);
    const win = body.rank_window;
    $("window").textContent = `distinct authors, ${win} window`;
    renderLists($("trending"), body.by_type, "trending", (e) => fmtNum(e.score),
      "No bursts yet: baselines form over the first hour of the stream.");
    renderLists($("busiest"), body.by_type, "busiest", (e) => fmtNum(windowCount(e, win)),
      "Nothing tagged yet.");
    addEvents(body.events, false);
    const s = body.stats;
    $("counters").textContent =
      `${s.tweets_applied} tweets · ${s.mentions_counted} mentions · ${s.events} events · as of ${fmtTime(body.as_of)}`;
    document.body.dataset.loaded = "1";
  } catch (e) {
    $("status").textContent = `cannot read /v1/trends: ${e.message}`;
    $("status").className = "status down";
  }
}

function highlighted(text, entities) {
  const chars = Array.from(text); // offsets count code points, as the API does
  const spans = entities.filter((e) => Number.isInteger(e.start) && Number.isInteger(e.end))
    .sort((a, b) => a.start - b.start);
  const out = [];
  let at = 0;
  for (const e of spans) {
    if (e.start < at || e.end > chars.length) continue;
    out.push(chars.slice(at, e.start).join(""));
    out.push(el("mark", { class: "ent", "data-type": e.type }, chars.slice(e.start, e.end).join("")));
    at = e.end;
  }
  out.push(chars.slice(at).join(""));
  return out;
}

async function showTweets(q) {
  const params = new URLSearchParams({ limit: "20" });
  if (q.entity) params.set("entity", q.entity);
  if (q.type) params.set("type", q.type);
  if (q.ids) params.set("ids", q.ids.join(","));
  $("tweets-title").textContent = `Tweets behind ${q.entity || q.title}`;
  let tweets = [];
  try {
    const r = await fetch(authed(`/v1/trends/tweets?${params}`));
    if (needsKey(r)) return;
    const body = await r.json();
    if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText);
    tweets = body.tweets;
    $("tweets-hint").textContent = tweets.length ? "" : "No remembered tweets for it.";
  } catch (e) {
    $("tweets-hint").textContent = `cannot read /v1/trends/tweets: ${e.message}`;
  }
  $("tweets").replaceChildren(...tweets.map((t) => {
    const text = t.text === null
      ? t.entities.map((e) => el("mark", { class: "ent", "data-type": e.type }, e.text))
      : highlighted(t.text, t.entities);
    return el("li", { "data-id": t.id }, el("time", {}, fmtTime(t.time_ms)), ...text);
  }));
}

function follow() {
  const source = new EventSource(authed("/v1/trends/events"));
  source.addEventListener("open", () => {
    $("status").textContent = "live";
    $("status").className = "status live";
  });
  source.addEventListener("trend", (m) => {
    addEvents([JSON.parse(m.data)], true);
    refresh();
  });
  source.addEventListener("lagged", (m) => {
    $("status").textContent = `live (missed ${JSON.parse(m.data).missed} events; refreshing)`;
    refresh();
  });
  source.addEventListener("error", () => {
    $("status").textContent = "event stream lost; retrying…";
    $("status").className = "status down";
  });
}

// A link can open on the tweets behind one entity: /#entity=Boston&type=geo-loc
function fromHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  if (!h.get("entity")) return Promise.resolve();
  return showTweets({ entity: h.get("entity"), type: h.get("type") || undefined });
}

takeKeyFromHash();
window.addEventListener("hashchange", () => { takeKeyFromHash(); fromHash(); });
// `?live=0` shows a snapshot that polls but keeps no event stream open (a
// page embedded in a report, or a headless browser waiting for the network
// to go quiet). `data-ready` marks the end of the first full load.
Promise.all([refresh(), fromHash()]).then(() => { document.body.dataset.ready = "1"; });
if (new URLSearchParams(location.search).get("live") !== "0") follow();
setInterval(refresh, REFRESH_MS);
