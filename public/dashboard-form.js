// Create and edit an index from the dashboard: the form reads into a POST /v1/indexes body (or the changed fields
// of a PATCH), and the API's validation messages (errors[].path) are shown beside the fields they name.
import { api } from "/dashboard-session.js";

const $ = (id) => document.getElementById(id);
const form = () => $("index-form");

/** Fields of the form that map one to one onto the body; the rest (constituents, weights) are parsed below. */
const NUMBER_FIELDS = ["max_weight", "min_weight", "base_value"];
const OPTIONAL_FIELDS = ["weights", "max_weight", "min_weight", "benchmark"];

const symbolsOf = (text) =>
  text
    .split(/[\s,;]+/)
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);

/** "AAPL=0.5, MSFT 0.5" → { AAPL: 0.5, MSFT: 0.5 }; a part that is not `SYMBOL number` is left for the API to refuse. */
function weightsOf(text) {
  const weights = {};
  for (const part of text.split(/[,;\n]+/).map((p) => p.trim())) {
    if (!part) continue;
    const [symbol, value] = part.split(/[\s=:]+/);
    weights[symbol.toUpperCase()] = value === undefined || value === "" ? Number.NaN : Number(value);
  }
  return weights;
}

/** The body the form describes; empty optional fields are absent. */
function readForm() {
  const f = form().elements;
  const body = {
    name: f.name.value,
    constituents: symbolsOf(f.constituents.value),
    weighting: f.weighting.value,
    rebalance: f.rebalance.value,
    base_date: f.base_date.value,
  };
  for (const key of NUMBER_FIELDS) if (f[key].value.trim() !== "") body[key] = Number(f[key].value);
  if (f.benchmark.value.trim()) body.benchmark = f.benchmark.value.trim().toUpperCase();
  if (body.weighting === "custom") body.weights = weightsOf(f.weights.value);
  return body;
}

function fillForm(index) {
  const f = form().elements;
  f.name.value = index?.name ?? "";
  f.constituents.value = index?.constituents.join(", ") ?? "";
  f.weighting.value = index?.weighting ?? "market_cap";
  f.weights.value = index?.weights
    ? Object.entries(index.weights)
        .map(([s, w]) => `${s}=${w}`)
        .join(", ")
    : "";
  f.max_weight.value = index?.max_weight ?? "";
  f.min_weight.value = index?.min_weight ?? "";
  f.rebalance.value = index?.rebalance ?? "monthly";
  f.base_date.value = index?.base_date ?? "2024-01-02";
  f.base_value.value = index?.base_value ?? 1000;
  f.benchmark.value = index ? (index.benchmark ?? "") : "SPY";
  showWeights();
}

function showWeights() {
  $("weights-field").hidden = form().elements.weighting.value !== "custom";
}

/** The PATCH body: the fields that differ from the stored index (cleared optional fields sent as null). */
function changesFrom(index, body) {
  const patch = {};
  const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  for (const [key, value] of Object.entries(body)) if (!same(value, index[key])) patch[key] = value;
  for (const key of OPTIONAL_FIELDS) if (body[key] === undefined && index[key] !== null) patch[key] = null;
  // Weights are dropped by the server when the weighting leaves custom; sending null as well would be refused.
  if (body.weighting !== "custom" && patch.weighting !== undefined) delete patch.weights;
  return patch;
}

function clearErrors() {
  for (const el of form().querySelectorAll(".field-error")) el.textContent = "";
  $("form-error").textContent = "";
}

/** Puts each errors[] message beside its field (the first path segment), the rest and the detail under the form. */
export function showProblem(err) {
  clearErrors();
  const leftover = [];
  for (const e of err.problem?.errors ?? []) {
    const field = String(e.path).split(/[.[]/)[0];
    const slot = form().querySelector(`.field-error[data-field="${CSS.escape(field)}"]`);
    if (slot) slot.textContent = slot.textContent ? `${slot.textContent}; ${e.message}` : e.message;
    else leftover.push(e.path ? `${e.path}: ${e.message}` : e.message);
  }
  $("form-error").textContent = [err.message, ...leftover].join(" · ");
}

/**
 * Opens the editor: `index` null creates. `onSaved(index)` gets the 202 answer (status building) once the API
 * accepted it; the caller follows the build.
 */
export function openEditor(index, onSaved) {
  clearErrors();
  fillForm(index);
  $("editor-title").textContent = index ? `Edit ${index.name}` : "New index";
  $("index-save").textContent = index ? "Save and rebuild" : "Create";
  $("index-editor").hidden = false;
  form().elements.name.focus();
  form().onsubmit = async (event) => {
    event.preventDefault();
    const button = $("index-save");
    button.disabled = true;
    clearErrors();
    try {
      const body = readForm();
      const payload = index ? changesFrom(index, body) : body;
      if (index && Object.keys(payload).length === 0) {
        closeEditor();
        return;
      }
      const saved = await api(index ? `/v1/indexes/${index.id}` : "/v1/indexes", {
        method: index ? "PATCH" : "POST",
        body: JSON.stringify(payload),
      });
      closeEditor();
      await onSaved(saved);
    } catch (err) {
      showProblem(err);
    } finally {
      button.disabled = false;
    }
  };
}

export function closeEditor() {
  $("index-editor").hidden = true;
  form().onsubmit = null;
}

form().elements.weighting.addEventListener("change", showWeights);
$("index-cancel").addEventListener("click", closeEditor);
