// The dashboard's live part over /v1/stream: quotes of the shown symbols and the live level of the shown index.
// Price colour and change both compare with the previous close (the quote's `change`), never with the last tick.
import { refreshSession, session } from "/dashboard-session.js";

const $ = (id) => document.getElementById(id);
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

const live = {
  socket: null,
  authenticated: false,
  backoff: MIN_BACKOFF_MS,
  reconnectTimer: null,
  symbols: [],
  indexId: null,
  /** The index's daily levels: the live level is compared with the last one before the tick's session. */
  levels: [],
};

// The exchange's local date of an instant: the session a tick belongs to.
const sessionDay = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" });

const signed = (n) => `${n >= 0 ? "+" : ""}${n.toFixed(2)}`;
const direction = (x) => (x > 0 ? "up" : x < 0 ? "down" : "");

function send(message) {
  if (live.authenticated && live.socket?.readyState === WebSocket.OPEN) live.socket.send(JSON.stringify(message));
}

/** Show (and subscribe to) exactly these symbols, in this order. */
export function setSymbols(symbols) {
  const next = [...new Set(symbols)];
  const removed = live.symbols.filter((s) => !next.includes(s));
  const added = next.filter((s) => !live.symbols.includes(s));
  live.symbols = next;
  const rows = next.map(
    (symbol) => document.querySelector(`tr[data-symbol="${CSS.escape(symbol)}"]`) ?? emptyRow(symbol),
  );
  $("quotes").replaceChildren(...rows);
  if (removed.length) send({ action: "unsubscribe", symbols: removed });
  if (added.length) send({ action: "subscribe", symbols: added });
}

/** Follow this index's live level instead of the previous one's. */
export function subscribeIndex(id) {
  const previous = live.indexId;
  live.indexId = id;
  $("index-live").textContent = "";
  if (previous && previous !== id) send({ action: "unsubscribe", indexes: [previous] });
  if (id) send({ action: "subscribe", indexes: [id] });
}

/** The shown index's daily levels ({ date, value }, oldest first), or [] while it has none. */
export function setLevels(levels) {
  live.levels = levels;
}

/** The index's previous close for a tick at `ts`: its last level dated before that session (as quotes' change). */
function previousClose(ts) {
  const day = sessionDay.format(new Date(ts));
  for (let i = live.levels.length - 1; i >= 0; i--) if (live.levels[i].date < day) return live.levels[i].value;
  return null;
}

function emptyRow(symbol) {
  const row = document.createElement("tr");
  row.dataset.symbol = symbol;
  for (let i = 0; i < 5; i++) row.append(document.createElement("td"));
  row.children[0].textContent = symbol;
  row.children[1].textContent = "—";
  return row;
}

function scheduleReconnect() {
  clearTimeout(live.reconnectTimer);
  const delay = live.backoff * (0.8 + Math.random() * 0.4);
  live.backoff = Math.min(live.backoff * 2, MAX_BACKOFF_MS);
  $("stream-status").textContent = `reconnecting in ${Math.max(1, Math.round(delay / 1000))} s…`;
  live.reconnectTimer = setTimeout(connect, delay);
}

/** Open the stream; never throws, and keeps retrying with jittered backoff until signed out. */
export async function connect() {
  if (!session.token) return;
  if (Date.now() > session.expiresAt - 30_000) {
    try {
      await refreshSession();
    } catch {
      if (session.token) scheduleReconnect();
      return;
    }
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/v1/stream`);
  live.socket = socket;
  live.authenticated = false;
  $("stream-status").textContent = "connecting…";
  socket.onopen = () => socket.send(JSON.stringify({ action: "auth", token: session.token }));
  socket.onmessage = (event) => {
    if (live.socket !== socket) return;
    const msg = JSON.parse(event.data);
    if (msg.type === "status" && msg.status === "authenticated") {
      live.authenticated = true;
      live.backoff = MIN_BACKOFF_MS;
      $("stream-status").textContent = "live";
      const indexes = live.indexId ? [live.indexId] : [];
      if (live.symbols.length || indexes.length) send({ action: "subscribe", symbols: live.symbols, indexes });
    } else if (msg.type === "quote") {
      renderQuote(msg);
    } else if (msg.type === "index" && msg.id === live.indexId) {
      renderLevel(msg.value, msg.ts);
    } else if (msg.type === "error") {
      $("stream-status").textContent = live.authenticated ? `live · ${msg.message ?? msg.code}` : `error: ${msg.code}`;
    }
  };
  socket.onclose = (event) => {
    if (live.socket !== socket) return;
    live.socket = null;
    live.authenticated = false;
    if (!session.token) return;
    if (event.code === 4001) session.expiresAt = 0; // refresh the access token before the next attempt
    scheduleReconnect();
  };
}

export function disconnect() {
  clearTimeout(live.reconnectTimer);
  const socket = live.socket;
  Object.assign(live, { socket: null, authenticated: false, symbols: [], indexId: null, levels: [] });
  socket?.close(1000, "signed out");
  $("quotes").replaceChildren();
  $("index-live").textContent = "";
  $("stream-status").textContent = "connecting…";
}

function renderLevel(value, ts) {
  const base = previousClose(ts);
  const change = base ? ((value - base) / base) * 100 : null;
  $("index-live").textContent = `live ${value.toFixed(2)}${change === null ? "" : ` (${signed(change)}%)`}`;
  $("index-live").className = `live ${change === null ? "" : direction(change)}`;
}

function renderQuote(q) {
  const row = document.querySelector(`tr[data-symbol="${CSS.escape(q.symbol)}"]`);
  if (!row) return; // unsubscribed since
  const cells = row.children;
  // One reference for both: the previous close. Without one (a first day), neither is coloured.
  const dir = q.change_pct === undefined ? "" : direction(q.change_pct);
  cells[1].textContent = q.price.toFixed(2);
  cells[1].className = dir;
  cells[2].textContent = q.change_pct === undefined ? "" : `${signed(q.change_pct)}%`;
  cells[2].className = dir;
  cells[3].textContent = q.seq;
  cells[4].textContent = new Date(q.ts).toLocaleTimeString([], { hour12: false });
  row.dataset.direction = dir;
}
