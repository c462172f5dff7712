// The live dashboard: signs in, charts an index's daily levels, and streams its constituents' quotes and its live
// level over /v1/stream (docs/LIVE.md). Vanilla JS, no dependencies; the session lives in memory only.
const $ = (id) => document.getElementById(id);
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const FALLBACK_SYMBOL_COUNT = 12;

const state = {
  token: null,
  refreshToken: null,
  expiresAt: 0,
  refreshing: null,
  refreshTimer: null,
  socket: null,
  authenticated: false,
  backoff: MIN_BACKOFF_MS,
  reconnectTimer: null,
  symbols: [],
  quotes: new Map(),
  indexId: null,
  lastLevel: null,
  values: [],
};

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function request(path, init = {}) {
  const headers = { ...(init.body ? { "content-type": "application/json" } : {}) };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  const res = await fetch(path, { ...init, headers });
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(body?.detail ?? `HTTP ${res.status}`, res.status);
  return body;
}

/** An API call; a 401 refreshes the session once and retries. */
async function api(path, init = {}) {
  try {
    return await request(path, init);
  } catch (err) {
    if (err.status !== 401 || !state.refreshToken) throw err;
    await refreshSession();
    return request(path, init);
  }
}

function setSession(session) {
  state.token = session.access_token;
  state.refreshToken = session.refresh_token;
  state.expiresAt = Date.now() + session.expires_in * 1000;
  // Refresh ahead of expiry so calls and reconnects rarely meet a 401; a failure here leaves the 401 path to retry.
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => refreshSession().catch(() => {}), session.expires_in * 800);
}

/** One refresh at a time: a refresh token is spent on use, and presenting a spent one revokes the whole family. */
function refreshSession() {
  state.refreshing ??= (async () => {
    const refreshToken = state.refreshToken;
    try {
      const res = await fetch("/v1/auth/refresh", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
      if (state.refreshToken !== refreshToken) throw new ApiError("signed out", 401); // signed out meanwhile
      if (res.status === 400 || res.status === 401) {
        signOut("Your session expired: sign in again.");
        throw new ApiError("session expired", 401);
      }
      if (!res.ok) throw new ApiError(`refresh failed: HTTP ${res.status}`, res.status);
      setSession(await res.json());
    } finally {
      state.refreshing = null;
    }
  })();
  return state.refreshing;
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const button = event.target.querySelector("button");
  button.disabled = true;
  $("login-error").textContent = "";
  try {
    const session = await request("/v1/auth/login", {
      method: "POST",
      body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
    });
    setSession(session);
    $("signin").hidden = true;
    $("board").hidden = false;
    $("signout").hidden = false;
    connect();
    await loadIndexes();
  } catch (err) {
    if (state.token) showProblem(err);
    else $("login-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
});

$("signout").addEventListener("click", () => {
  const { refreshToken, token } = state;
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

function signOut(message) {
  Object.assign(state, { token: null, refreshToken: null, expiresAt: 0, indexId: null, symbols: [] });
  clearTimeout(state.reconnectTimer);
  clearTimeout(state.refreshTimer);
  const socket = state.socket;
  state.socket = null;
  state.authenticated = false;
  socket?.close(1000, "signed out");
  state.quotes.clear();
  $("quotes").replaceChildren();
  $("index-live").textContent = "";
  $("stream-status").textContent = "connecting…";
  $("board").hidden = true;
  $("signout").hidden = true;
  $("signin").hidden = false;
  $("login-error").textContent = message;
}

function showProblem(err) {
  if (state.token) $("index-status").textContent = `Could not load: ${err.message}`;
}

async function loadIndexes() {
  const { data } = await api("/v1/indexes?limit=100");
  const picker = $("index-picker");
  picker.replaceChildren(...data.map((i) => new Option(`${i.name} (${i.status})`, i.id)));
  picker.hidden = data.length === 0;
  picker.onchange = () => showIndex(picker.value).catch(showProblem);
  if (data.length) return showIndex(data[0].id);
  $("index-status").textContent = "No indexes yet: create one with POST /v1/indexes.";
  const assets = await api(`/v1/assets?limit=${FALLBACK_SYMBOL_COUNT}`);
  setSymbols(assets.data.map((a) => a.symbol));
}

async function showIndex(id) {
  const previous = state.indexId;
  state.indexId = id;
  state.lastLevel = null;
  $("index-live").textContent = "";
  if (previous && previous !== id) send({ action: "unsubscribe", indexes: [previous] });
  const index = await api(`/v1/indexes/${id}`);
  if (state.indexId !== id) return;
  $("index-title").textContent = index.name;
  setSymbols([...index.constituents, ...(index.benchmark ? [index.benchmark] : [])]);
  if (state.authenticated) send({ action: "subscribe", indexes: [id] });
  const values = [];
  let cursor = null;
  do {
    const page = await api(
      `/v1/indexes/${id}/values?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    values.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  if (state.indexId !== id) return;
  state.values = values;
  drawChart();
  const last = values.at(-1);
  state.lastLevel = last?.value ?? null;
  $("index-status").textContent = last
    ? `${values.length} daily levels, last ${last.date}: ${last.value.toFixed(2)} · benchmark ${index.benchmark_used ?? index.benchmark ?? "none"}`
    : `No levels yet (status: ${index.status}).`;
}

/** Show (and subscribe to) exactly these symbols, in this order. */
function setSymbols(symbols) {
  const next = [...new Set(symbols)];
  const removed = state.symbols.filter((s) => !next.includes(s));
  const added = next.filter((s) => !state.symbols.includes(s));
  state.symbols = next;
  for (const symbol of removed) state.quotes.delete(symbol);
  const rows = next.map((symbol) => {
    const row = document.querySelector(`tr[data-symbol="${CSS.escape(symbol)}"]`) ?? emptyRow(symbol);
    return row;
  });
  $("quotes").replaceChildren(...rows);
  if (removed.length) send({ action: "unsubscribe", symbols: removed });
  if (added.length) send({ action: "subscribe", symbols: added });
}

function emptyRow(symbol) {
  const row = document.createElement("tr");
  row.dataset.symbol = symbol;
  for (let i = 0; i < 5; i++) row.append(document.createElement("td"));
  row.children[0].textContent = symbol;
  row.children[1].textContent = "—";
  return row;
}

function drawChart() {
  const values = state.values;
  const canvas = $("chart");
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 900;
  const height = Math.round(width * 0.36);
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (values.length < 2) return;
  const style = getComputedStyle(document.body);
  const ys = values.map((v) => v.value);
  const min = Math.min(...ys);
  const max = Math.max(...ys);
  const left = 52;
  const pad = 20;
  const x = (i) => left + (i / (values.length - 1)) * (width - left - pad);
  const y = (v) => height - pad - ((v - min) / (max - min || 1)) * (height - 2 * pad);
  ctx.strokeStyle = style.getPropertyValue("--grid").trim() || "#ddd";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const v of [min, (min + max) / 2, max]) {
    ctx.moveTo(left, Math.round(y(v)) + 0.5);
    ctx.lineTo(width - pad, Math.round(y(v)) + 0.5);
  }
  ctx.stroke();
  ctx.strokeStyle = style.getPropertyValue("--accent").trim() || "#2f6fed";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x(0), y(values[0].value));
  for (let i = 1; i < values.length; i++) ctx.lineTo(x(i), y(values[i].value));
  ctx.stroke();
  ctx.fillStyle = style.getPropertyValue("--muted").trim() || "#888";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  for (const v of [min, (min + max) / 2, max]) ctx.fillText(v.toFixed(0), left - 6, y(v));
  ctx.textBaseline = "bottom";
  ctx.textAlign = "left";
  ctx.fillText(values[0].date, left, height);
  ctx.textAlign = "right";
  ctx.fillText(values.at(-1).date, width - pad, height);
}

let resizeFrame = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(drawChart);
});

function send(message) {
  if (state.authenticated && state.socket?.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message));
}

function scheduleReconnect() {
  clearTimeout(state.reconnectTimer);
  const delay = state.backoff * (0.8 + Math.random() * 0.4);
  state.backoff = Math.min(state.backoff * 2, MAX_BACKOFF_MS);
  $("stream-status").textContent = `reconnecting in ${Math.max(1, Math.round(delay / 1000))} s…`;
  state.reconnectTimer = setTimeout(connect, delay);
}

/** Open the stream; never throws, and keeps retrying with jittered backoff until signed out. */
async function connect() {
  if (!state.token) return;
  if (Date.now() > state.expiresAt - 30_000) {
    try {
      await refreshSession();
    } catch {
      if (state.token) scheduleReconnect();
      return;
    }
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/v1/stream`);
  state.socket = socket;
  state.authenticated = false;
  $("stream-status").textContent = "connecting…";
  socket.onopen = () => socket.send(JSON.stringify({ action: "auth", token: state.token }));
  socket.onmessage = (event) => {
    if (state.socket !== socket) return;
    const msg = JSON.parse(event.data);
    if (msg.type === "status" && msg.status === "authenticated") {
      state.authenticated = true;
      state.backoff = MIN_BACKOFF_MS;
      $("stream-status").textContent = "live";
      const indexes = state.indexId ? [state.indexId] : [];
      if (state.symbols.length || indexes.length) send({ action: "subscribe", symbols: state.symbols, indexes });
    } else if (msg.type === "quote") {
      renderQuote(msg);
    } else if (msg.type === "index" && msg.id === state.indexId) {
      renderLevel(msg.value);
    } else if (msg.type === "error") {
      $("stream-status").textContent = state.authenticated ? `live · ${msg.message ?? msg.code}` : `error: ${msg.code}`;
    }
  };
  socket.onclose = (event) => {
    if (state.socket !== socket) return;
    state.socket = null;
    state.authenticated = false;
    if (!state.token) return;
    if (event.code === 4001) state.expiresAt = 0; // refresh the access token before the next attempt
    scheduleReconnect();
  };
}

function renderLevel(value) {
  const last = state.lastLevel;
  const change = last ? ` (${signed(((value - last) / last) * 100)}%)` : "";
  $("index-live").textContent = `live ${value.toFixed(2)}${change}`;
  $("index-live").className = `live ${last && value < last ? "down" : "up"}`;
}

const signed = (n) => `${n >= 0 ? "+" : ""}${n.toFixed(2)}`;

function renderQuote(q) {
  const row = document.querySelector(`tr[data-symbol="${CSS.escape(q.symbol)}"]`);
  if (!row) return; // unsubscribed since
  const previous = state.quotes.get(q.symbol);
  state.quotes.set(q.symbol, q);
  const cells = row.children;
  cells[1].textContent = q.price.toFixed(2);
  cells[1].className = previous && q.price < previous.price ? "down" : "up";
  cells[2].textContent = q.change_pct !== undefined ? `${signed(q.change_pct)}%` : "";
  cells[2].className = q.change_pct < 0 ? "down" : q.change_pct > 0 ? "up" : "";
  cells[3].textContent = q.seq;
  cells[4].textContent = new Date(q.ts).toLocaleTimeString();
}
