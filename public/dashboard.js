// The live dashboard: signs in, lists the caller's indexes (told apart by id, creation time and version), shows one
// (charts, metrics, allocations, rebalances; dashboard-index.js), creates, edits and deletes indexes
// (dashboard-form.js), and streams quotes and the live level over /v1/stream (docs/LIVE.md). Vanilla JS modules;
// charts by the vendored uPlot. The session lives in memory only.
import { clearCharts } from "/dashboard-charts.js";
import { closeEditor, openEditor } from "/dashboard-form.js";
import { clearIndexView, showAllocations, showLevels, showMetrics, showRebalances } from "/dashboard-index.js";
import { api, clearSession, request, session, setSession } from "/dashboard-session.js";
import { connect, disconnect, setLevels, setSymbols, subscribeIndex } from "/dashboard-stream.js";

const $ = (id) => document.getElementById(id);
const FALLBACK_SYMBOL_COUNT = 12;
const BUILD_POLL_MS = 1000;

const state = { indexes: [], index: null };

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const button = event.target.querySelector("button");
  button.disabled = true;
  $("login-error").textContent = "";
  try {
    const tokens = await request("/v1/auth/login", {
      method: "POST",
      body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
    });
    setSession(tokens);
    $("signin").hidden = true;
    $("board").hidden = false;
    $("signout").hidden = false;
    connect();
    await loadIndexes();
  } catch (err) {
    if (session.token) showStatus(err);
    else $("login-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
});

$("signout").addEventListener("click", () => {
  const { refreshToken, token } = session;
  signOut("");
  if (refreshToken && token) {
    // Logout needs the caller's credential, which signOut() has already forgotten: send the one read above.
    fetch("/v1/auth/logout", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ refresh_token: refreshToken }),
    }).catch(() => {});
  }
});

session.onExpired = (message) => signOut(message);

function signOut(message) {
  clearSession();
  disconnect();
  closeEditor();
  clearCharts();
  clearIndexView();
  Object.assign(state, { indexes: [], index: null });
  $("board").hidden = true;
  $("signout").hidden = true;
  $("signin").hidden = false;
  $("login-error").textContent = message;
}

function showStatus(err) {
  if (session.token) $("index-status").textContent = `Could not load: ${err.message}`;
}

/** "2026-12-01 22:13" in UTC: two indexes of one name differ in it, and in id and version. */
const created = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const label = (i) => `${i.name} · ${created(i.created_at)} · …${i.id.slice(-6)} · v${i.version} · ${i.status}`;

async function loadIndexes(selectId) {
  state.indexes = (await api("/v1/indexes?limit=100")).data;
  const picker = $("index-picker");
  picker.replaceChildren(...state.indexes.map((i) => new Option(label(i), i.id)));
  const has = state.indexes.length > 0;
  picker.disabled = !has;
  $("edit-index").disabled = !has;
  $("delete-index").disabled = !has;
  if (has) {
    const id = state.indexes.some((i) => i.id === selectId) ? selectId : state.indexes[0].id;
    picker.value = id;
    return showIndex(id);
  }
  state.index = null;
  clearIndexView();
  $("index-title").textContent = "No index";
  $("index-meta").textContent = "";
  $("index-status").textContent = "No indexes yet: create one with “New index”.";
  const assets = await api(`/v1/assets?limit=${FALLBACK_SYMBOL_COUNT}`);
  setSymbols(assets.data.map((a) => a.symbol));
}

$("index-picker").addEventListener("change", (e) => showIndex(e.target.value).catch(showStatus));
$("metrics-window").addEventListener("change", () => {
  const index = state.index;
  if (index?.ready_version) showMetrics(index, () => state.index === index).catch(showStatus);
});

function showMeta(index) {
  $("index-title").textContent = index.name;
  $("index-meta").textContent =
    `${index.id} · created ${created(index.created_at)} · version ${index.version}` +
    ` · ${index.weighting.replace("_", " ")}, ${index.rebalance} · status ${index.status}` +
    (index.failure_reason ? ` (${index.failure_reason})` : "");
  $("index-meta").dataset.status = index.status;
}

async function showIndex(id) {
  const index = await api(`/v1/indexes/${id}`);
  state.index = index;
  const isCurrent = () => state.index === index;
  clearIndexView();
  showMeta(index);
  setLevels([]);
  subscribeIndex(id);
  setSymbols([...index.constituents, ...(index.benchmark ? [index.benchmark] : [])]);
  if (!index.ready_version) {
    $("index-status").textContent =
      index.status === "failed" ? `The build failed: ${index.failure_reason}` : "Building… the charts follow.";
    return;
  }
  const [values] = await Promise.all([
    showLevels(index, isCurrent),
    showMetrics(index, isCurrent),
    showAllocations(index, isCurrent),
    showRebalances(index, isCurrent),
  ]);
  if (!isCurrent()) return;
  const last = values.at(-1);
  setLevels(values);
  $("index-status").textContent = last
    ? `${values.length} daily levels, last ${last.date}: ${last.value.toFixed(2)}` +
      (index.status === "building" ? " · a new version is building" : "")
    : `No levels yet (status: ${index.status}).`;
}

/** Follows a build started by a create, a change or a rebuild until it is ready or failed, then shows the index. */
async function followBuild(saved) {
  await loadIndexes(saved.id);
  for (let i = 0; i < 180 && state.index?.id === saved.id; i++) {
    const index = await api(`/v1/indexes/${saved.id}`);
    if (index.status !== "building") return loadIndexes(saved.id);
    $("index-status").textContent = `Building version ${index.version}…`;
    await new Promise((r) => setTimeout(r, BUILD_POLL_MS));
  }
}

$("new-index").addEventListener("click", () => openEditor(null, (saved) => followBuild(saved).catch(showStatus)));
$("edit-index").addEventListener("click", () => {
  if (state.index) openEditor(state.index, (saved) => followBuild(saved).catch(showStatus));
});
$("delete-index").addEventListener("click", async () => {
  const index = state.index;
  if (!index || !window.confirm(`Delete “${index.name}” (${index.id})? Its history is kept but it stops answering.`))
    return;
  try {
    await api(`/v1/indexes/${index.id}`, { method: "DELETE" });
    closeEditor();
    await loadIndexes();
  } catch (err) {
    showStatus(err);
  }
});
