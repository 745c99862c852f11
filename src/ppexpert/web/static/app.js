// The web calculator's page: controls built from GET /api/knowledge, cards read off POST /api/assess.
// It computes no conclusion of its own: every level, line and derivation comes from the engine's answers.
"use strict";

const state = {
  kb: null,            // GET /api/knowledge
  presets: [],         // GET /api/scenarios
  base: null,          // the preset the controls started from
  inputs: {},          // parameter name -> {mode: "set"|"unknown"|"null"|"derived", value, field}
  meta: {},            // parameter name -> {point, note} kept from the preset
  extra: {},           // preset parameters the knowledge base does not list: passed through untouched
  doc: null,           // the latest assessment document shown
  compare: null,       // the assessment document of the scenario compared with, or null
  sent: 0, shown: 0,   // request sequence numbers: a late answer never overwrites a newer one
  timer: null,
  controls: {},        // parameter name -> {sync()} to redraw a control from state.inputs
  markers: {},         // numeric input (a record's as name.field) -> mark(list): where a risk level changes
};

// ---------------------------------------------------------------- small helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function byId(id) { return document.getElementById(id); }

function status(text, kind) {
  const el = byId("status");
  el.className = "status" + (kind ? " " + kind : "");
  el.replaceChildren(...(Array.isArray(text) ? text : [text]));
}

async function api(method, url, body) {
  const options = {method, headers: {"Accept": "application/json"}};
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  const data = await response.json().catch(() => ({error: `HTTP ${response.status}`, problems: []}));
  if (!response.ok) {
    const error = new Error(data.error || `HTTP ${response.status}`);
    error.problems = data.problems || [];
    error.detail = data.detail;
    error.status = response.status;
    throw error;
  }
  return data;
}

function showError(error) {
  const items = (error.problems || []).map(p =>
    h("li", {}, h("code", {}, p.field || p.yaml_path || ""), ": ", p.message, p.hint ? h("span", {class: "hint"}, " \u2014 " + p.hint) : ""));
  status([h("strong", {}, error.message), error.detail ? " (" + error.detail + ")" : "",
          items.length ? h("ul", {}, items) : ""], "error");
}

function number(value) {
  return typeof value === "number" ? value.toLocaleString("en-US", {maximumFractionDigits: 2}) : String(value);
}

function levelRank(level, doc) {
  const scale = (doc && doc.scale) || state.kb.scale.map(l => l.id);
  return scale.indexOf(level);
}

function levelBadge(level, doc) {
  if (!level) return h("span", {class: "level none", dataset: {level: ""}}, "no risk concluded");
  const scale = (doc && doc.scale) || state.kb.scale.map(l => l.id);
  const rank = scale.indexOf(level);
  const meaning = (state.kb.scale.find(l => l.id === level) || {}).meaning;
  const badge = h("span", {class: `level rank-${rank} of-${scale.length}`, title: meaning || null,
                           dataset: {level}}, level.charAt(0).toUpperCase() + level.slice(1) + " risk");
  badge.style.setProperty("--t", scale.length > 1 ? rank / (scale.length - 1) : 1);
  return badge;
}

// ---------------------------------------------------------------- controls

function stepFor(type, min, max) {
  if (type === "integer") {
    const span = (max ?? 100) - (min ?? 0);
    return span > 100000 ? Math.pow(10, Math.floor(Math.log10(span / 1000))) : 1;
  }
  return 0.5;
}

function exactNumber(value) {
  // a threshold as the rules cut at it: up to four decimals, nothing rounded away
  return Number(value).toLocaleString("en", {maximumFractionDigits: 4});
}

function rangeInput(name, spec, getValue, setValue) {
  // a slider and a number box kept in step; either one changes the value
  const min = spec.min ?? 0, max = spec.max ?? Math.max(100, (getValue() || 0) * 2);
  const step = stepFor(spec.type, min, max);
  const slider = h("input", {type: "range", min, max, step, id: `in-${name}`, list: `marks-${name}`,
                             "aria-label": spec.title || name});
  // where a risk level changes along this slider (POST /api/marks): tick marks, and the values in words
  const ticks = h("datalist", {id: `marks-${name}`});
  const words = h("p", {class: "marks hint", id: `marks-text-${name}`});
  const box = h("input", {type: "number", min, max, step: spec.type === "integer" ? 1 : "any",
                          id: `num-${name}`, "aria-label": (spec.title || name) + " (exact)"});
  const sync = () => { const v = getValue(); slider.value = v; box.value = v; };
  slider.addEventListener("input", () => { setValue(Number(slider.value)); box.value = slider.value; changed(); });
  box.addEventListener("input", () => {
    if (box.value === "" || !box.checkValidity()) return;
    setValue(Number(box.value)); slider.value = box.value; changed();
  });
  const unit = spec.unit ? h("span", {class: "unit"}, spec.unit) : null;
  const mark = list => {
    ticks.replaceChildren(...list.map(m => h("option", {value: m.at})));
    words.textContent = list.length ? "Level changes at " + list.map(m => `${exactNumber(m.at)} (` +
      Object.entries(m.changes).map(([id, [from, to]]) => `${id.replace("risk.", "")} ${from ?? "none"} → ${to ?? "none"}`)
        .join(", ") + ")").join("; ") : "";
  };
  return {el: h("div", {}, h("div", {class: "range"}, slider, ticks, h("span", {class: "exact"}, box, unit)), words),
          sync, mark, disable: off => { slider.disabled = off; box.disabled = off; }};
}

function choiceInput(name, words, getValue, setValue) {
  const group = h("div", {class: "choices", role: "radiogroup", "aria-label": name});
  const radios = words.map(([word, shown]) => {
    const radio = h("input", {type: "radio", name: `in-${name}`, value: String(word), id: `in-${name}-${word}`,
                              onchange: () => { setValue(word); changed(); }});
    group.append(h("label", {for: `in-${name}-${word}`, class: "choice"}, radio, h("span", {}, shown)));
    return radio;
  });
  return {el: group, sync: () => radios.forEach(r => { r.checked = r.value === String(getValue()); }),
          // "not stated" (or none): no answer stays highlighted while the plan does not give one
          disable: off => radios.forEach(r => { r.disabled = off; if (off) r.checked = false; })};
}

function buildControl(parameter) {
  const name = parameter.name;
  const input = () => state.inputs[name];
  let main;
  if (parameter.type === "number" || parameter.type === "integer") {
    main = rangeInput(name, parameter, () => input().value ?? parameter.min ?? 0, v => { input().value = v; });
    state.markers[name] = main.mark;
  } else if (parameter.type === "choice") {
    main = choiceInput(name, parameter.choices.map(c => [c, c]), () => input().value, v => { input().value = v; });
  } else if (parameter.type === "boolean") {
    main = choiceInput(name, [[true, "yes"], [false, "no"]], () => input().value, v => { input().value = v; });
  } else if (parameter.type === "record") {
    const fields = Object.entries(parameter.fields || {});
    const ranges = {};
    const picker = choiceInput(name + "-field", fields.map(([key, spec]) => [key, spec.title || key]),
                               () => input().field, key => {
                                 const spec = parameter.fields[key];
                                 input().field = key;
                                 input().value = Math.min(Math.max(input().values[key] ?? spec.min ?? 0, spec.min ?? 0), spec.max ?? Infinity);
                               });
    for (const [key, spec] of fields) {
      ranges[key] = rangeInput(`${name}-${key}`, {...spec, title: spec.title || key},
                               () => input().values[key] ?? spec.min ?? 0,
                               v => { input().values[key] = v; input().value = v; });
      state.markers[`${name}.${key}`] = ranges[key].mark;
    }
    const holder = h("div", {class: "record"}, picker.el);
    for (const [key, range] of Object.entries(ranges)) holder.append(h("div", {class: "field", dataset: {field: key}}, range.el));
    main = {el: holder,
            sync: () => {
              picker.sync();
              for (const [key, range] of Object.entries(ranges)) {
                range.sync();
                range.el.parentNode.hidden = key !== input().field;
              }
            },
            disable: off => { picker.disable(off); Object.values(ranges).forEach(r => r.disable(off)); }};
  } else {
    main = {el: h("p", {class: "hint"}, `(${parameter.type}: not editable here)`), sync() {}, disable() {}};
  }
  const modes = [["set", "set by the plan"], ["unknown", "not stated"]];
  if (parameter.nullable) modes.push(["null", parameter.null_means || "none"]);
  // derived from what the plan states in its vocabulary (the territory share from the regions); setting it by hand
  // sets that aside
  if (parameter.derived_from) modes.push(["derived", `derived from ${parameter.derived_from}`]);
  const mode = h("select", {id: `mode-${name}`, "aria-label": `${parameter.title}: how the plan settles it`},
                 modes.map(([value, shown]) => h("option", {value}, shown)));
  mode.addEventListener("change", () => {
    const derived = input().mode === "derived" && derivedInput(name);
    if (derived && typeof derived.value === typeof input().value) input().value = derived.value;  // start from it
    input().mode = mode.value; sync(); changed();
  });
  const readout = h("output", {class: "readout", for: `in-${name}`});
  function sync() {
    const i = input();
    mode.value = i.mode;
    main.sync();
    main.disable(i.mode !== "set");
    readout.textContent = shownValue(parameter, i);
  }
  state.controls[name] = {sync};
  const meta = state.meta[name] || {};
  return h("fieldset", {class: "control", dataset: {parameter: name}},
           h("legend", {}, parameter.title),
           h("div", {class: "control-head"}, readout, h("label", {class: "mode"}, mode)),
           main.el,
           parameter.plan_points ? h("p", {class: "points"}, parameter.plan_points) : null,
           h("p", {class: "preset-note", dataset: {for: name}}, meta.note || ""));
}

function derivedInput(name) {
  return state.doc && state.doc.inputs.find(i => i.name === name && i.origin === "derived");
}

function shownValue(parameter, input) {
  if (input.mode === "unknown") return "not stated";
  if (input.mode === "derived") {
    const derived = derivedInput(parameter.name);
    return derived ? `${derived.shown}${parameter.unit === "%" ? "%" : ""} (derived)` : "not stated";
  }
  if (input.mode === "null") return parameter.null_means || "none";
  if (parameter.type === "record") {
    const spec = parameter.fields[input.field] || {};
    return `${number(input.value)}${spec.unit === "%" ? "%" : " " + (spec.unit || "")}`;
  }
  if (parameter.type === "boolean") return input.value ? "yes" : "no";
  if (parameter.unit === "%") return `${number(input.value)}%`;
  return parameter.unit ? `${number(input.value)} ${parameter.unit}` : String(input.value);
}

// ---------------------------------------------------------------- scenario <-> controls

function loadPreset(preset) {
  state.base = preset;
  state.modified = false;
  state.inputs = {};
  state.meta = {};
  state.extra = {};
  const given = preset.parameters || {};
  for (const [name, raw] of Object.entries(given)) {
    if (!state.kb.parameters.some(p => p.name === name)) state.extra[name] = raw;
  }
  for (const parameter of state.kb.parameters) {
    let raw = given[parameter.name];
    if (raw && typeof raw === "object" && !Array.isArray(raw) && "value" in raw) {
      state.meta[parameter.name] = {point: raw.point, note: raw.note};
      raw = raw.value;
    }
    state.inputs[parameter.name] = inputFrom(parameter, raw, parameter.name in given);
    if (!(parameter.name in given) && parameter.derived_from && states(given, parameter.derived_from)) {
      state.inputs[parameter.name].mode = "derived";
    }
  }
  const note = [];
  if (preset.description) note.push(preset.description);
  for (const [name, assumption] of Object.entries(preset.assumptions || {})) {
    note.push(`Assumes ${name} = ${number(assumption.value)} (source: ${assumption.source}).`);
  }
  byId("scenario-note").textContent = note.join(" ");
}

function states(parameters, path) {
  // whether a scenario's parameters state `territory` or `sequence.elections.within_days`, flat or nested
  for (const [key, value] of Object.entries(parameters)) {
    if (key === path || key.startsWith(path + ".")) return true;
    if (path.startsWith(key + ".")) {
      if (!value || typeof value !== "object" || Array.isArray(value)) return true;  // a word for the whole group
      if (states(value, path.slice(key.length + 1))) return true;
    }
  }
  return false;
}

function inputFrom(parameter, raw, stated) {
  const fields = Object.keys(parameter.fields || {});
  const input = {mode: "set", value: null, field: fields[0], values: {}};
  if (!stated || raw === "unknown") input.mode = "unknown";
  else if (raw === null) input.mode = "null";
  if (parameter.type === "record") {
    if (input.mode === "set" && raw && typeof raw === "object") {
      const [key, value] = Object.entries(raw)[0] || [fields[0], 0];
      input.field = key; input.values[key] = value; input.value = value;
    } else {
      const spec = parameter.fields[input.field] || {};
      input.value = spec.min ?? 0;
    }
  } else if (input.mode === "set") {
    input.value = raw;
  } else {
    input.value = parameter.type === "choice" ? parameter.choices[0]
                : parameter.type === "boolean" ? false : (parameter.min ?? 0);
  }
  return input;
}

function currentScenario() {
  // the same shape as a scenario YAML file: id, title, parameters, assumptions
  const base = state.base;
  const parameters = {...state.extra};
  for (const parameter of state.kb.parameters) {
    const input = state.inputs[parameter.name];
    if (input.mode === "derived") continue;  // the knowledge base derives it from what the plan states
    let value = input.mode === "unknown" ? "unknown" : input.mode === "null" ? null
              : parameter.type === "record" ? {[input.field]: input.value} : input.value;
    const meta = state.meta[parameter.name];
    parameters[parameter.name] = meta && (meta.point || meta.note) ? {value, ...cleaned(meta)} : value;
  }
  // an input set by hand that the plan would derive replaces what it is derived from (a scenario may not state both)
  for (const parameter of state.kb.parameters) {
    const mode = state.inputs[parameter.name].mode;
    if (parameter.derived_from && mode !== "derived" && mode !== "unknown") {
      dropStated(parameters, parameter.derived_from);
    }
  }
  const scenario = {id: base.id, title: base.title, parameters};
  for (const key of ["description", "plan", "date"]) if (base[key]) scenario[key] = base[key];
  if (base.assumptions && Object.keys(base.assumptions).length) scenario.assumptions = base.assumptions;
  return scenario;
}

function dropStated(parameters, path) {
  // remove `territory` or `sequence.elections.within_days`, flat or nested, copying (never changing) the preset's
  for (const key of Object.keys(parameters)) {
    if (key === path || key.startsWith(path + ".")) { delete parameters[key]; continue; }
    if (!path.startsWith(key + ".")) continue;
    const inner = parameters[key];
    if (inner && typeof inner === "object" && !Array.isArray(inner)) {
      parameters[key] = {...inner};
      dropStated(parameters[key], path.slice(key.length + 1));
    } else {
      delete parameters[key];  // a word for the whole group (not_addressed) would state the input too
    }
  }
}

function cleaned(meta) {
  const out = {};
  if (meta.point) out.point = meta.point;
  if (meta.note) out.note = meta.note;
  return out;
}

// ---------------------------------------------------------------- the address: settings that can be shared

function plainValue(raw) {
  return raw && typeof raw === "object" && !Array.isArray(raw) && "value" in raw ? raw.value : raw;
}

function remember() {
  // ?preset=ID&compare=ID&NAME=JSON for every input that differs from the preset
  const query = new URLSearchParams({preset: state.base.id});
  const compare = byId("compare").value;
  if (compare) query.set("compare", compare);
  const now = currentScenario().parameters, given = state.base.parameters || {};
  for (const parameter of state.kb.parameters) {
    if (state.inputs[parameter.name].mode === "derived") continue;  // as the preset has it
    const value = plainValue(now[parameter.name]);
    const was = parameter.name in given ? plainValue(given[parameter.name]) : "unknown";
    if (JSON.stringify(value) !== JSON.stringify(was)) query.set(parameter.name, JSON.stringify(value));
  }
  history.replaceState(null, "", "?" + query.toString());
}

function applyAddress(query) {
  const unread = [];
  for (const parameter of state.kb.parameters) {
    if (!query.has(parameter.name)) continue;
    try {
      state.inputs[parameter.name] = inputFrom(parameter, JSON.parse(query.get(parameter.name)), true);
    } catch (error) { unread.push(parameter.name); }
  }
  if (unread.length) status(`Could not read ${unread.join(", ")} from the address; using the preset's values.`, "error");
}

// ---------------------------------------------------------------- assessing

function changed() {
  state.modified = true;  // a control moved: the overall card says the plan is no longer the preset as written
  for (const control of Object.values(state.controls)) control.sync();
  remember();
  clearTimeout(state.timer);
  state.timer = setTimeout(assessNow, 15);
}

async function assessNow() {
  const seq = ++state.sent;
  document.body.classList.add("busy");
  try {
    const doc = await api("POST", "/api/assess", currentScenario());
    if (seq < state.shown) return;  // a newer answer is already on screen
    state.shown = seq;
    state.doc = doc;
    render();
    status(`Assessed ${doc.scenario.title}: overall ${doc.overall ? doc.overall.level : "no"} risk.`);
    markSliders(seq);
  } catch (error) {
    if (seq < state.shown) return;
    state.shown = seq;
    document.body.classList.add("stale");
    showError(error);
  } finally {
    if (seq === state.sent) document.body.classList.remove("busy");
  }
}

async function markSliders(seq) {
  // after the assessment: where each slider would change a risk level, the other inputs as they are now
  try {
    const marks = await api("POST", "/api/marks", currentScenario());
    if (seq !== state.shown) return;  // the settings moved on; the next assessment asks again
    for (const [name, mark] of Object.entries(state.markers)) mark(marks[name] || []);
  } catch (error) { /* marks are a help, not the answer: the cards stand without them */ }
}

async function assessCompare() {
  const id = byId("compare").value;
  if (!id) { state.compare = null; render(); return; }
  const preset = state.presets.find(p => p.id === id);
  try {
    state.compare = await api("POST", "/api/assess", scenarioOf(preset));
    render();
  } catch (error) { showError(error); }
}

function scenarioOf(preset) {
  const scenario = {id: preset.id, title: preset.title, parameters: preset.parameters || {}};
  for (const key of ["description", "plan", "date"]) if (preset[key]) scenario[key] = preset[key];
  if (preset.assumptions && Object.keys(preset.assumptions).length) scenario.assumptions = preset.assumptions;
  return scenario;
}

// ---------------------------------------------------------------- rendering the assessment

function layout() {
  // an area whose dial is a parameter: a row with the control beside its card; other areas: a grid of cards
  // beside the plan's other terms
  const rows = byId("rows"), more = byId("more-areas");
  rows.replaceChildren();
  more.replaceChildren();
  state.controls = {};
  const placed = new Set();
  for (const area of state.kb.areas) {
    if (area.id === "overall") continue;
    const parameter = state.kb.parameters.find(p => p.name === area.dial);
    if (parameter) {
      placed.add(parameter.name);
      rows.append(h("div", {class: "row", dataset: {area: area.id}}, h("div", {class: "controls"}, buildControl(parameter)),
                    ...slots(area.id)));
    } else {
      more.append(h("div", {class: "more-area", dataset: {area: area.id}}, ...slots(area.id)));
    }
  }
  const others = byId("other-controls");
  others.replaceChildren();
  for (const parameter of state.kb.parameters) {
    if (!placed.has(parameter.name)) others.append(buildControl(parameter));
  }
  byId("other-inputs").hidden = !others.children.length;
  byId("more-areas-box").hidden = !more.children.length;
  for (const control of Object.values(state.controls)) control.sync();
}

function slots(areaId) {
  return [h("div", {class: "card-slot", id: `slot-${areaId}`}), h("div", {class: "compare-slot", id: `compare-${areaId}`})];
}

function render() {
  const doc = state.doc;
  if (!doc) return;
  document.body.classList.remove("stale");
  document.body.classList.toggle("comparing", !!state.compare);
  const open = new Set([...document.querySelectorAll(".why[data-open]")].map(el => el.dataset.open));
  renderOverall(doc);
  for (const [name, control] of Object.entries(state.controls)) {  // a derived input shows what it was derived as
    if (state.inputs[name] && state.inputs[name].mode === "derived") control.sync();
  }
  for (const area of doc.areas) {
    if (!byId(`slot-${area.id}`)) {  // an area the page did not know when it was laid out
      byId("more-areas").append(h("div", {class: "more-area", dataset: {area: area.id}}, ...slots(area.id)));
      byId("more-areas-box").hidden = false;
    }
    const other = state.compare && state.compare.areas.find(a => a.id === area.id);
    byId(`slot-${area.id}`).replaceChildren(shown(area) ? card(area, doc, false) : "");
    byId(`compare-${area.id}`).replaceChildren(other && (shown(area) || shown(other)) ? card(other, state.compare, true) : "");
  }
  renderBeyond(doc);
  for (const conclusion of open) {  // re-open the explanations the reader had open, for the new settings
    const panel = document.querySelector(`.why[data-for="${CSS.escape(conclusion)}"]`);
    if (panel) explain(conclusion, panel);
  }
}

function rated(area) { return area.rated !== false; }  // `rated`: whether any rule concludes a risk for the area

function shown(area) {
  // an area that carries no risk level and for which nothing was derived has no card (as in the terminal report)
  return rated(area) || area.lines.length > 0;
}

function openQuestionsOf(area, doc) {
  // what inputs the plan leaves unstated would decide (`area.open`; older documents: the undetermined risks)
  return area.open !== undefined ? area.open
    : doc.undetermined.filter(u => u.conclusion === `risk.${area.id}`).map(u => u.words || u.sentence);
}

function renderOverall(doc) {
  const overall = doc.overall;
  const compared = state.compare && state.compare.overall;
  byId("overall").replaceChildren(
    h("div", {class: "overall-card", dataset: {conclusion: "risk.overall"}},
      h("h2", {}, "Overall: ", doc.scenario.title, state.modified ? " (modified)" : ""),
      overall && overall.undetermined ? undeterminedBadge(overall.possible_levels) :
        overall ? levelBadge(overall.level, doc) : levelBadge(null, doc),
      state.modified ? h("p", {class: "modified hint"}, "You changed the plan's terms: this is not the plan as written. "
                         + "Reset puts every control back.") : null,
      riskStrip(doc),
      overall ? h("p", {class: "because"}, overall.because) : null,
      overall && overall.rests_on_disputed_value ? disputedNote(overall.disputed) : null,
      overall ? whyButton("risk.overall") : null,
      overall ? whyPanel("risk.overall") : null),
    state.compare ? h("div", {class: "overall-card compared"},
      h("h2", {}, "Compared with: ", state.compare.scenario.title),
      levelBadge(compared ? compared.level : null, state.compare),
      compared ? h("p", {class: "because"}, compared.because) : null) : "");
}

function undeterminedBadge(possible) {
  // a verdict the plan's unknown inputs leave open: every level it could take (computed by the server)
  const shown = (possible || []).map(level => level === null ? "none" : level);
  return h("span", {class: "level none undetermined", dataset: {level: ""}, title: "could be " + shown.join(", ")},
           "undetermined: could be " + shown.join(", "));
}

function riskStrip(doc) {
  // the areas at a glance, each in its level's colour, in the knowledge base's order
  return h("ol", {class: "risk-strip", "aria-label": "Risk by area"}, doc.areas.map(area => {
    const badge = levelBadge(area.level, doc);
    badge.textContent = area.level ? area.level.charAt(0).toUpperCase() + area.level.slice(1) : "Open";
    return h("li", {dataset: {area: area.id}}, h("span", {class: "strip-title"}, area.title), " ", badge);
  }));
}

function areaBadge(area, doc) {
  if (!rated(area)) return null;
  if (area.undetermined) return undeterminedBadge(area.possible_levels);
  if (!area.level && openQuestionsOf(area, doc).length) {
    return h("span", {class: "level none", dataset: {level: ""}}, "undetermined");
  }
  return levelBadge(area.level, doc);
}

function card(area, doc, compared) {
  const lines = area.lines.map(line =>
    h("li", {class: `line ${line.kind}`, dataset: {conclusion: line.id}},
      h("span", {class: "label"}, line.label || line.kind),
      h("span", {class: "text"}, line.text, compared ? null : [" ", whyButton(line.id, "why?")]),
      h("span", {class: "kind"}, line.kind),
      compared ? null : whyPanel(line.id)));
  const risk = `risk.${area.id}`;
  return h("article", {class: "card" + (compared ? " compared" : ""), dataset: {area: area.id, level: area.level || ""}},
    h("header", {}, h("h2", {}, area.title), areaBadge(area, doc)),
    compared ? h("p", {class: "scenario-name"}, doc.scenario.title) : h("p", {class: "question"}, area.question),
    (area.grounds || []).length > 1 ? area.grounds.map(g => h("p", {class: "because"}, g.because))
      : area.because ? h("p", {class: "because"}, area.because) : null,
    lines.length ? h("ul", {class: "lines"}, lines) : h("p", {class: "empty"}, "Nothing derived in this area."),
    openQuestions(area, doc),
    compared || !rated(area) ? null : h("div", {class: "card-actions"}, whyButton(risk, area.level ? "Why?" : "Why not?"),
                                         whatIfButton(risk)),
    compared ? null : whyPanel(risk));
}

function openQuestions(area, doc) {
  const open = openQuestionsOf(area, doc);
  if (!open.length) return null;
  return h("div", {class: "open"}, h("h3", {}, "Left open"), h("ul", {}, open.map(sentence => h("li", {}, sentence))));
}

function requirementParts(req) {
  // a requirement: the step the plan needs, what bars or conditions it, and how it could be met
  const cites = list => list.map(c => `${c.title}, ${c.locator}`).join("; ");
  return h("dl", {class: "requirement"},
    h("dt", {}, "Step"), h("dd", {}, req.step),
    req.barred_by.length ? [h("dt", {}, "Barred by"), h("dd", {}, cites(req.barred_by))] : null,
    req.conditioned_by.length ? [h("dt", {}, "Conditioned by"), h("dd", {}, cites(req.conditioned_by))] : null,
    h("dt", {}, "Could be met"), h("dd", {}, req.met_by));
}

function disputedNote(disputed) {
  return h("p", {class: "disputed"}, "Rests on values sources disagree on, or that the scenario assumed: ",
           disputed.map(d => `${d.baseline} = ${number(d.value)}` + (d.assumed ? ` (assumed; knowledge base ${number(d.kb_value)})` : "")).join("; "));
}

function renderBeyond(doc) {
  const areaIds = new Set(doc.areas.map(a => a.id));
  const outside = c => !c.area || !areaIds.has(c.area);
  const sections = [];
  const list = (items, render) => h("ul", {class: "conclusions"}, items.map(render));
  // citations: the basis apart from the context
  const cites = sources => [
    sources.some(s => s.role !== "context")
      ? h("span", {class: "sources basis"}, " ", sources.filter(s => s.role !== "context").map(citation)) : null,
    sources.some(s => s.role === "context")
      ? h("span", {class: "sources context"}, " context, not a basis: ",
          sources.filter(s => s.role === "context").map(citation)) : null];
  // a conclusion several rules reach shows each rule's own sentence and citations
  const grounds = c => (c.grounds || []).length > 1
    ? [h("ul", {class: "grounds"}, c.grounds.map(g => h("li", {dataset: {rule: g.rule}}, g.because, ...cites(g.sources))))]
    : [c.because, ...cites(c.sources)];
  const item = c => h("li", {class: `conclusion ${c.kind}`, dataset: {conclusion: c.id, kind: c.kind}},
    c.label ? h("strong", {}, c.label + ": ") : null, ...grounds(c),
    c.requirement ? requirementParts(c.requirement) : null,
    c.rests_on_disputed_value ? disputedNote(c.disputed) : null,
    ...(c.caveats || []).map(caveat => h("p", {class: "disputed caveat"}, "Open: " + caveat + ".")),
    whyButton(c.id, "why?"), whyPanel(c.id));
  sections.push(h("section", {class: "violations"}, h("h2", {}, `Violations of binding law (${doc.violations.length})`),
    doc.violations.length ? list(doc.violations, item) : h("p", {class: "empty"}, "No binding provision is violated.")));
  for (const [key, title] of [["requirements", "Requirements: legal steps the plan needs"],
                              ["commitments", "Political commitments"]]) {
    const items = doc[key] || [];
    if (items.length) sections.push(h("section", {class: key}, h("h2", {}, `${title} (${items.length})`), list(items, item)));
  }
  const beyond = [...doc.consequences, ...doc.findings].filter(outside);
  if (beyond.length) sections.push(h("section", {}, h("h2", {}, "Consequences beyond the areas"), list(beyond, item)));
  if (doc.undetermined.length) {
    sections.push(h("section", {}, h("h2", {}, "Left open by inputs the plan does not state"),
      list(doc.undetermined, u => h("li", {}, u.words || u.sentence))));
  }
  if (doc.defeated.length) {
    sections.push(h("details", {}, h("summary", {}, `Overridden conclusions (${doc.defeated.length})`),
      list(doc.defeated, d => h("li", {}, d.reason))));
  }
  const derived = doc.inputs.filter(i => i.origin === "derived");
  if (derived.length) {
    sections.push(h("details", {}, h("summary", {}, "Derived values"),
      list(derived, i => h("li", {}, h("code", {}, i.name), " = ", i.shown, i.formula ? h("span", {class: "hint"}, ` (${i.formula})`) : null))));
  }
  byId("beyond").replaceChildren(...sections);
}

// ---------------------------------------------------------------- why? and what if?

function whyButton(conclusion, label) {
  return h("button", {type: "button", class: "why-button", "aria-expanded": "false", dataset: {why: conclusion},
                      onclick: event => toggleWhy(conclusion, event.currentTarget)}, label || "Why?");
}

function whatIfButton(conclusion) {
  return h("button", {type: "button", class: "whatif-button", dataset: {whatIf: conclusion},
                      onclick: event => whatIf(conclusion, event.currentTarget)}, "What would change it?");
}

function whyPanel(conclusion) {
  return h("div", {class: "why", dataset: {for: conclusion}, hidden: true});
}

function panelNear(button, conclusion) {
  const holder = button.closest("li, article, .overall-card");
  return [...holder.querySelectorAll(".why")].find(p => p.dataset.for === conclusion);
}

function toggleWhy(conclusion, button) {
  const panel = panelNear(button, conclusion);
  if (panel.dataset.open) {
    delete panel.dataset.open;
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    return;
  }
  button.setAttribute("aria-expanded", "true");
  explain(conclusion, panel);
}

async function explain(conclusion, panel) {
  panel.dataset.open = conclusion;
  panel.hidden = false;
  panel.replaceChildren(h("p", {class: "hint"}, "Deriving\u2026"));
  try {
    // in words for a reader (/api/explain); /api/why gives the same derivation with its ids, for programs
    const result = await api("POST", "/api/explain", {scenario: currentScenario(), id: conclusion});
    panel.replaceChildren(h("h3", {}, "Why?"), readable(result));
    if (result.holds !== false) picture(conclusion, panel);
  } catch (error) {
    panel.replaceChildren(h("p", {class: "error"}, error.message));
  }
}

async function picture(conclusion, panel) {
  // the same derivation drawn by Graphviz; left out quietly where the server cannot draw it
  try {
    const drawn = await api("POST", "/api/why-picture", {scenario: currentScenario(), id: conclusion});
    if (panel.dataset.open !== conclusion) return;
    const img = h("img", {alt: "The derivation as a picture: the rules, the inputs with their values and plan points, and the cited articles",
                          src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(drawn.svg)});
    panel.querySelector("h3").after(h("figure", {class: "picture"}, img,
      h("figcaption", {class: "hint"}, "Overridden rules dashed; the sources at the foot.")));
  } catch (error) { /* the text derivation stays */ }
}

async function whatIf(conclusion, button) {
  const panel = panelNear(button, conclusion);
  delete panel.dataset.open;  // a what-if answer is not re-derived when the settings change
  panel.hidden = false;
  panel.replaceChildren(h("p", {class: "hint"}, "Trying the nearest changes of each input\u2026"));
  try {
    const result = await api("POST", "/api/what-if", {scenario: currentScenario(), id: conclusion});
    panel.replaceChildren(h("h3", {}, `What would change it? (now ${result.now})`),
      result.changes.length ? h("ul", {class: "whatif"}, result.changes.map(c => h("li", {}, c.text)))
                            : h("p", {}, "No single change of one input changes it."));
  } catch (error) {
    panel.replaceChildren(h("p", {class: "error"}, error.message));
  }
}

function citation(source) {
  const label = `${source.title}${source.locator ? ", " + source.locator : ""}`;
  const cite = source.address
    ? h("a", {class: "citation", href: source.address, target: "_blank", rel: "noopener noreferrer"}, label)
    : h("span", {class: "citation"}, label);
  return h("cite", {title: source.text || null}, cite);
}

const ROLES = {"holds": "Holds:", "set aside": "Set aside:", "applies": "Would apply:", "does not apply": "Does not apply:"};

function readable(result) {
  // the derivation in words (present/readable.py): the rule that holds first, rules set aside after it
  return h("div", {class: "tree reader"},
    h("p", {class: "node"}, result.headline, result.sentence ? h("span", {class: "sentence"}, " \u2014 " + result.sentence) : null),
    result.shown_above ? h("p", {class: "hint"}, "Its derivation is shown above.") : null,
    result.rules.length ? h("ul", {class: "derivations"}, result.rules.map(ruleInWords)) : null,
    researcher([result.details]));
}

function ruleInWords(rule) {
  const premises = rule.premises || [];
  return h("li", {class: `rule role-${rule.role.replace(/ /g, "-")}`, dataset: {role: rule.role}},
    h("div", {}, h("span", {class: "role"}, ROLES[rule.role] || ""), " ", h("strong", {}, rule.title)),
    rule.verdict ? h("p", {class: "verdict"}, rule.verdict) : null,
    premises.length ? h("ul", {class: "premises"}, premises.map(premiseInWords)) : null,
    rule.tests ? h("ul", {class: "tests"}, rule.tests.map(t => h("li", {class: t.holds ? "holds" : "fails"},
      (t.holds ? "\u2713 " : "\u2717 ") + t.text + (t.actual ? ` (here: ${t.actual})` : "")))) : null,
    rule.sources && rule.sources.length ? h("div", {class: "rests-on"}, "Legal and factual basis:",
      h("ul", {}, rule.sources.map(s => h("li", {}, citation(s), s.text ? h("q", {}, s.text) : null)))) : null,
    rule.context && rule.context.length ? h("div", {class: "rests-on context"}, "Context, not a basis:",
      h("ul", {}, rule.context.map(s => h("li", {}, citation(s))))) : null,
    rule.rationale ? h("p", {class: "rationale"}, "Why the threshold sits there: " + rule.rationale) : null,
    rule.note ? h("p", {class: "note"}, "What the rule simplifies: " + rule.note) : null,
    rule.points ? h("p", {class: "points"}, rule.points) : null,
    researcher([rule.details, ...premises.flatMap(detailsOf)]));
}

function detailsOf(premise) {
  return premise.kind === "conclusion" ? [] : [premise.details, ...(premise.children || []).flatMap(detailsOf)];
}

function premiseInWords(p) {
  if (p.kind === "conclusion") {
    return h("li", {class: "premise conclusion"}, p.test ? h("div", {class: "test"}, "\u2713 " + p.test) : null,
             readable(p.conclusion));
  }
  return h("li", {class: `premise ${p.kind}`},
    h("span", {class: "value"}, p.text), p.origin ? h("span", {class: "origin"}, ` (${p.origin})`) : null,
    p.test ? h("div", {class: "test"}, "\u2713 " + p.test) : null,
    p.note ? h("p", {class: "note"}, p.note) : null,
    p.source ? h("div", {class: "sources"}, citation(p.source)) : null,
    p.children && p.children.length ? h("ul", {}, p.children.map(premiseInWords)) : null);
}

function researcher(items) {
  // ids and file positions, for researchers only: folded away
  const lines = items.filter(Boolean).map(d => Object.entries(d).filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join(", "))
                     .filter(Boolean);
  return lines.length ? h("details", {class: "researcher"}, h("summary", {}, "Details for researchers"),
                          h("ul", {class: "at"}, [...new Set(lines)].map(line => h("li", {}, line)))) : null;
}

// ---------------------------------------------------------------- report download

function reportButtons() {
  const holder = byId("report-buttons");
  const names = {json: "JSON", md: "Markdown", html: "HTML"};
  holder.replaceChildren(...state.kb.report_formats.map(format =>
    h("button", {type: "button", dataset: {report: format}, onclick: () => download(format),
                 title: state.kb.report_compare ? "The report of the current settings, and of the scenario compared with" : null},
      `Report (${names[format] || format})`)));
}

async function download(format) {
  const query = new URLSearchParams({format});
  const compare = byId("compare").value;
  if (compare && state.kb.report_compare) query.set("compare", compare);
  try {
    const response = await fetch(`/api/report?${query}`, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(currentScenario())});
    if (!response.ok) throw Object.assign(new Error(`report failed (HTTP ${response.status})`), await response.json());
    const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", {href: url, download: match ? match[1] : `report.${format}`});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (error) { showError(error); }
}

// ---------------------------------------------------------------- start

async function start() {
  try {
    [state.kb, state.presets] = await Promise.all([api("GET", "/api/knowledge"), api("GET", "/api/scenarios")]);
  } catch (error) { showError(error); return; }
  byId("version").textContent = state.kb.ppexpert;
  byId("kb-version").textContent = state.kb.knowledge_version;
  const usable = state.presets.filter(p => !p.problems);
  const preset = byId("preset"), compare = byId("compare");
  for (const p of state.presets) {
    const option = h("option", {value: p.id, disabled: !!p.problems}, p.problems ? `${p.title} (does not load)` : p.title);
    preset.append(option);
    if (!p.problems) compare.append(h("option", {value: p.id}, p.title));
  }
  const query = new URLSearchParams(location.search);
  const wanted = query.get("preset");
  const first = usable.find(p => p.id === wanted) || usable.find(p => p.id === "seed-calculator") || usable[0];
  if (!first) { status("No preset scenario loads; see examples/.", "error"); return; }
  preset.value = first.id;
  loadPreset(first);
  if (first.id === wanted) applyAddress(query);
  layout();
  reportButtons();
  preset.addEventListener("change", () => {
    loadPreset(state.presets.find(p => p.id === preset.value));
    layout();
    remember();
    assessNow();
  });
  byId("reset").addEventListener("click", () => { loadPreset(state.base); layout(); remember(); assessNow(); });
  compare.addEventListener("change", () => { remember(); assessCompare(); });
  if (usable.some(p => p.id === query.get("compare"))) {
    compare.value = query.get("compare");
    assessCompare();
  }
  await assessNow();
}

document.addEventListener("DOMContentLoaded", start);

// The toolbar is a form for its labels and keyboard order only: it is never submitted (no inline handler, which
// the Content-Security-Policy forbids).
document.getElementById("toolbar").addEventListener("submit", (event) => event.preventDefault());
