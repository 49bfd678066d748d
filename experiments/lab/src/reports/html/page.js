// index.html's behaviour: filters over the embedded cells (kept in the URL's #fragment, so that a
// filtered view is a link), a cell's detail, sortable tables. No network: the data is in the page,
// the times in data/timings.js beside it.
"use strict";
// The cells come packed (packed.rs): columns, text as indices into one list of strings.
const data = (packed => {
  const interned = new Set(packed.interned);
  const cells = packed.rows.map(r => {
    const c = {};
    packed.columns.forEach((k, i) => c[k] = interned.has(k) && r[i] !== null ? packed.strings[r[i]] : r[i]);
    c.cell = [c.engine, c.libc, c.strategy, c.case].join("/");
    c.command = packed.command.replace(/\{(\w+)\}/g, (_, k) => c[k]);
    return c;
  });
  return { cases: packed.cases, cells };
})(JSON.parse(document.getElementById("dylab-data").textContent));
const timings = (window.dylabTimings || { cells: {}, sources: [] });
const keys = ["engine", "libc", "strategy", "case", "group", "outcome", "declared"];
const value = (c, key) => key === "group" ? (data.cases[c.case] || {}).group || ""
  : key === "declared" ? (c.as_expected ? "as declared" : "not as declared") : c[key];
const el = (tag, attrs, ...children) => {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => k === "class" ? e.className = v : e.setAttribute(k, v));
  children.forEach(ch => e.append(ch));
  return e;
};
const ms = c => timings.cells[c.cell];

function params() {
  const p = new URLSearchParams(location.hash.slice(1));
  return p.toString().includes("=") ? p : new URLSearchParams();
}

function fillSelects(p) {
  for (const key of keys) {
    const select = document.getElementById("f-" + key);
    const seen = key === "declared" ? ["as declared", "not as declared"]
      : [...new Set(data.cells.map(c => value(c, key)))].filter(v => v !== "");
    if (key !== "case" && key !== "group") seen.sort();
    select.replaceChildren(el("option", { value: "" }, "all"), ...seen.map(v => el("option", { value: v }, v)));
    select.value = p.get(key) || "";
    select.addEventListener("change", () => setFilter(key, select.value));
  }
}

function setFilter(key, v) {
  const p = params();
  p.delete("cells"); p.delete("cell");
  if (v) p.set(key, v); else p.delete(key);
  location.hash = p.toString() || "matrix";
}

function row(c) {
  const t = ms(c);
  const tr = el("tr", { "data-cell": c.cell, class: c.as_expected ? "" : "unexpected" },
    el("td", {}, el("a", { href: "#cell=" + c.cell }, c.cell)),
    el("td", {}, el("span", { class: "o o-" + c.outcome.split(":")[0] }, c.full)),
    el("td", {}, c.expected + (c.as_expected ? "" : " ✗")),
    el("td", {}, c.exit_code === null ? "-" : String(c.exit_code)),
    el("td", {}, t === undefined ? "" : t.toFixed(1)),
    el("td", { title: c.detail }, c.detail.split("\n")[0]));
  return tr;
}

function apply() {
  const p = params();
  const only = p.get("cells") ? new Set(p.get("cells").split(",")) : null;
  keys.forEach(k => document.getElementById("f-" + k).value = p.get(k) || "");
  let shown = 0;
  for (const tr of document.querySelectorAll("#cells tbody tr")) {
    const c = byName.get(tr.dataset.cell);
    const ok = only ? only.has(c.cell) : keys.every(k => !p.get(k) || value(c, k) === p.get(k));
    tr.hidden = !ok;
    if (ok) shown++;
  }
  document.getElementById("shown").textContent =
    `${shown} of ${data.cells.length} cells shown` + (only ? " (the cells a finding cites)" : "");
  if (p.get("cell")) show(byName.get(p.get("cell")));
  if (only || p.get("cell")) document.getElementById("matrix").scrollIntoView();
}

function block(title, text) {
  return [el("dt", {}, title), el("dd", {}, el("pre", {}, text === "" ? "(empty)" : text))];
}

function show(c) {
  const d = document.getElementById("detail");
  if (!c) return;
  const kase = data.cases[c.case] || { expected_stdout: "", exit_code: 0, description: "" };
  const t = ms(c);
  const diff = el("pre", { class: "diff" });
  (c.diff || "").split("\n").forEach(line => diff.append(el("span",
    { class: line.startsWith("+") ? "diff-add" : line.startsWith("-") ? "diff-del" : "" }, line + "\n")));
  const dl = el("dl", {},
    el("dt", {}, "outcome"), el("dd", { id: "d-outcome" }, c.full + (c.as_expected ? " (as declared)" : " — declared: " + c.expected)),
    el("dt", {}, "trap"), el("dd", {}, c.trap || "-"),
    el("dt", {}, "exit code"), el("dd", {}, c.exit_code === null ? "-" : `${c.exit_code} (reference ${kase.exit_code})`),
    el("dt", {}, "time"), el("dd", {}, t === undefined ? "not recorded" : t.toFixed(3) + " ms"),
    el("dt", {}, "detail"), el("dd", {}, el("pre", {}, c.detail || "-")),
    el("dt", {}, "rerun"), el("dd", {}, el("pre", { id: "d-command" }, c.command)),
    ...block("stdout", c.stdout === null ? kase.expected_stdout : c.stdout),
    ...block("expected stdout", kase.expected_stdout),
    el("dt", {}, "diff (expected → stdout)"), el("dd", {}, c.diff ? diff : "none: stdout is the reference"),
    ...block("stderr", c.stderr));
  const close = el("button", { type: "button" }, "close");
  close.addEventListener("click", () => d.close());
  d.onclose = () => { const p = params(); if (p.get("cell")) { p.delete("cell"); location.hash = p.toString() || "matrix"; } };
  d.replaceChildren(el("h2", { id: "d-name" }, c.cell), el("p", {}, kase.description), dl, close);
  if (!d.open) d.showModal();
}

function sortable(table) {
  table.querySelectorAll("thead th, tr:first-child th").forEach((th, i) => th.addEventListener("click", () => {
    const body = table.tBodies[0];
    const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    table.querySelectorAll("th").forEach(h => h.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    const key = tr => { const s = (tr.cells[i] || {}).textContent || ""; const n = parseFloat(s.replace(/[,\s]/g, "")); return isNaN(n) ? s : n; };
    const rows = [...body.rows].sort((a, b) => { const x = key(a), y = key(b);
      return dir * (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))); });
    body.append(...rows);
  }));
}

const byName = new Map(data.cells.map(c => [c.cell, c]));
document.querySelector("#cells tbody").append(...data.cells.map(row));
fillSelects(params());
document.getElementById("f-clear").addEventListener("click", () => location.hash = "matrix");
document.querySelectorAll("table.sortable").forEach(sortable);
if (timings.sources.length) document.getElementById("run-source").textContent = "Cells run from commit " + timings.sources.join(", ") + ".";
window.addEventListener("hashchange", apply);
apply();
