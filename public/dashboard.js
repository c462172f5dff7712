// The live dashboard: signs in, charts an index's levels, and streams quotes and the live index level.
const $ = (id) => document.getElementById(id);
const state = { token: null, socket: null, backoff: 500, quotes: new Map(), indexId: null };

async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    headers: { "content-type": "application/json", ...(state.token ? { authorization: `Bearer ${state.token}` } : {}) },
  });
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(body?.detail ?? `HTTP ${res.status}`);
  return body;
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const session = await api("/v1/auth/login", {
      method: "POST",
      body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
    });
    state.token = session.access_token;
    $("signin").hidden = true;
    $("board").hidden = false;
    await loadIndexes();
    connect();
  } catch (err) {
    $("login-error").textContent = err.message;
  }
});

async function loadIndexes() {
  const { data } = await api("/v1/indexes?limit=100");
  const picker = $("index-picker");
  picker.replaceChildren(...data.map((i) => new Option(`${i.name} (${i.status})`, i.id)));
  picker.onchange = () => showIndex(picker.value);
  if (data.length) await showIndex(data[0].id);
  else $("index-status").textContent = "No indexes yet: create one with POST /v1/indexes.";
}

async function showIndex(id) {
  const previous = state.indexId;
  state.indexId = id;
  const index = await api(`/v1/indexes/${id}`);
  $("index-title").textContent = index.name;
  const values = [];
  let cursor = null;
  do {
    const page = await api(`/v1/indexes/${id}/values?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
    values.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  drawChart(values);
  const last = values.at(-1);
  $("index-status").textContent = last ? `${values.length} daily levels, last ${last.date}: ${last.value.toFixed(2)}` : index.status;
  if (state.socket?.readyState === WebSocket.OPEN) {
    if (previous) send({ action: "unsubscribe", indexes: [previous] });
    send({ action: "subscribe", indexes: [id] });
  }
}

function drawChart(values) {
  const canvas = $("chart");
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  if (values.length < 2) return;
  const ys = values.map((v) => v.value);
  const min = Math.min(...ys);
  const max = Math.max(...ys);
  const pad = 24;
  const x = (i) => pad + (i / (values.length - 1)) * (width - 2 * pad);
  const y = (v) => height - pad - ((v - min) / (max - min || 1)) * (height - 2 * pad);
  ctx.strokeStyle = getComputedStyle(document.body).getPropertyValue("--accent") || "#2f6fed";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  values.forEach((v, i) => (i ? ctx.lineTo(x(i), y(v.value)) : ctx.moveTo(x(i), y(v.value))));
  ctx.stroke();
  ctx.fillStyle = getComputedStyle(document.body).getPropertyValue("--muted") || "#888";
  ctx.fillText(max.toFixed(1), 2, pad);
  ctx.fillText(min.toFixed(1), 2, height - pad);
  ctx.fillText(values[0].date, pad, height - 6);
  ctx.fillText(values.at(-1).date, width - pad - 60, height - 6);
}

function send(message) {
  state.socket?.send(JSON.stringify(message));
}

async function connect() {
  const { data } = await api("/v1/assets?limit=12");
  const symbols = data.map((a) => a.symbol);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/v1/stream`);
  state.socket = socket;
  socket.onopen = () => {
    state.backoff = 500;
    send({ action: "auth", token: state.token });
  };
  socket.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "status" && msg.status === "authenticated") {
      $("stream-status").textContent = "live";
      send({ action: "subscribe", symbols, indexes: state.indexId ? [state.indexId] : [] });
    } else if (msg.type === "quote") {
      renderQuote(msg);
    } else if (msg.type === "index" && msg.id === state.indexId) {
      $("index-live").textContent = `live ${msg.value.toFixed(2)}`;
    } else if (msg.type === "error") {
      $("stream-status").textContent = `error: ${msg.code}`;
    }
  };
  socket.onclose = () => {
    $("stream-status").textContent = `reconnecting in ${Math.round(state.backoff / 1000)} s…`;
    setTimeout(connect, state.backoff);
    state.backoff = Math.min(state.backoff * 2, 30_000);
  };
}

function renderQuote(q) {
  const previous = state.quotes.get(q.symbol);
  state.quotes.set(q.symbol, q);
  let row = document.querySelector(`tr[data-symbol="${CSS.escape(q.symbol)}"]`);
  if (!row) {
    row = document.createElement("tr");
    row.dataset.symbol = q.symbol;
    for (let i = 0; i < 5; i++) row.append(document.createElement("td"));
    $("quotes").append(row);
  }
  const cells = row.children;
  cells[0].textContent = q.symbol;
  cells[1].textContent = q.price.toFixed(2);
  cells[1].className = previous && q.price < previous.price ? "down" : "up";
  cells[2].textContent = q.change_pct !== undefined ? `${q.change_pct.toFixed(2)}%` : "";
  cells[3].textContent = q.seq;
  cells[4].textContent = new Date(q.ts).toLocaleTimeString();
}
