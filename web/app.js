/* forecastd dashboard. Plain JS (no build step); charts by uPlot (vendor/).
 *
 * The API is the page's own origin, or another forecastd given as ?api=URL
 * (that server then needs cors_origin set to this page's origin).
 * window.fcDash exposes the state and the uPlot instances for the browser
 * tests: fcDash.charts[name].data is what each chart plots. */
'use strict';

(function () {
  const API = (() => {
    const a = new URLSearchParams(location.search).get('api');
    return a ? a.replace(/\/+$/, '') : '';
  })();
  // One key per server: a key typed for one API base is never sent to another
  // (a link with ?api= pointing elsewhere cannot collect it).
  const KEY_STORE = 'forecastd.apiKey:' + (API ? new URL(API, location.href).origin : location.origin);
  const POLL_MS = 250;

  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k instanceof Node ? k : String(k));
    return e;
  };

  const state = {
    series: [],          // GET /series
    next: {},            // ticker -> its next-session forecast (GET /predict, a list)
    models: {},          // ticker -> [models] (null: could not be read)
    ticker: null,
    bars: null,          // {date[], open[], high[], low[], close[], volume[]}
    job: null,           // the job being followed
    jobTimer: null,
    loss: { epoch: [], train: [], val: [], fold: null },
    anomalies: null,     // GET /anomalies of the ticker shown
    anomalyAt: new Map(),  // bar index -> its anomaly (the price chart's legend)
    evaluation: null,    // GET /models/{t}/{v}/evaluation?level= of the chart shown
    backtest: null,      // the backtest job whose result is shown
    messages: [],        // what the page said, newest last (tests read it)
  };
  const charts = {};
  window.fcDash = { state, charts, api: API, keyName: KEY_STORE, ready: false, busy: 0 };

  /* ---- formatting ---------------------------------------------------------- */

  const fmt = (x, d = 2) => (x == null || !isFinite(x) ? '—' : Number(x).toFixed(d));
  const fmtBig = (x) => {
    if (x == null || !isFinite(x)) return '—';
    const a = Math.abs(x);
    if (a >= 1e9) return (x / 1e9).toFixed(1) + 'G';
    if (a >= 1e6) return (x / 1e6).toFixed(1) + 'M';
    if (a >= 1e3) return (x / 1e3).toFixed(1) + 'k';
    return String(+x.toFixed(2));
  };
  const fmtShare = (x, d = 1) => (x == null || !isFinite(x) ? '—' : (100 * x).toFixed(d) + ' %');
  const fmtPct = (x, d = 2) => (x == null || !isFinite(x) ? '—' : (x >= 0 ? '+' : '') + (100 * x).toFixed(d) + ' %');
  const dayToTs = (s) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10)) / 1000;

  // skill = 1 - RMSE_model / RMSE_naive: > 0 beats naive, < 0 worse than naive
  function skillNode(metrics) {
    if (!metrics || metrics.skill == null) return el('span', { class: 'muted' }, '—');
    const s = metrics.skill;
    const cls = s > 0 ? 'good' : s < 0 ? 'bad' : '';
    const word = s > 0 ? 'beats naive' : s < 0 ? 'worse than naive' : 'ties naive';
    return el('span', { class: cls, title: '1 - RMSE_model / RMSE_naive' }, fmtPct(s, 2) + ' (' + word + ')');
  }

  // interval skill = 1 - IS_model / IS_garch: > 0 the model's intervals beat GARCH(1,1)'s
  function intervalSkillNode(s, level) {
    if (s == null || !isFinite(s)) return el('span', { class: 'muted' }, '—');
    const cls = s > 0 ? 'good' : s < 0 ? 'bad' : '';
    const word = s > 0 ? 'beats' : s < 0 ? 'worse' : 'ties';
    return el('span', { class: cls, title: '1 - IS' + level + '_model / IS' + level + '_garch' }, fmtPct(s, 1) + ' (' + word + ')');
  }

  // A test's p-value; below 0.05 the test rejects (shown in red).
  function pValueNode(p, what) {
    if (p == null || !isFinite(p)) return el('span', { class: 'muted' }, '—');
    return p < 0.05 ? el('span', { class: 'bad', title: what + ': rejected at 5 %' }, fmt(p, 3))
      : el('span', { title: what + ': not rejected at 5 %' }, fmt(p, 3));
  }

  /* ---- API ------------------------------------------------------------------ */

  const getKey = () => sessionStorage.getItem(KEY_STORE) || '';
  function showKeyState() {
    $('#key-button').textContent = 'API key: ' + (getKey() ? 'set' : 'not set');
  }

  // Opens the key dialog; resolves to true when a key was saved.
  function askKey(reason) {
    const dlg = $('#key-dialog');
    reason = reason || 'This server needs an API key for uploads, training and other changes.';
    $('#key-reason').textContent = reason[0].toUpperCase() + reason.slice(1);
    $('#key-input').value = getKey();
    return new Promise((resolve) => {
      dlg.addEventListener('close', function onClose() {
        dlg.removeEventListener('close', onClose);
        if (dlg.returnValue === 'ok' && $('#key-input').value.trim()) {
          sessionStorage.setItem(KEY_STORE, $('#key-input').value.trim());
          showKeyState();
          resolve(true);
        } else {
          if (dlg.returnValue === 'clear') sessionStorage.removeItem(KEY_STORE);
          showKeyState();
          resolve(false);
        }
      });
      dlg.returnValue = '';
      dlg.showModal();
      $('#key-input').focus();
    });
  }

  // One request. Returns {status, data, headers}; never throws on HTTP errors.
  // POST and DELETE carry the key; a 401 asks for it and retries.
  async function api(method, path, opts = {}) {
    const headers = {};
    if (opts.type) headers['Content-Type'] = opts.type;
    const write = method === 'POST' || method === 'DELETE';
    if (write && getKey()) headers.Authorization = 'Bearer ' + getKey();
    window.fcDash.busy++;
    let r;
    try {
      r = await fetch(API + path, { method, headers, body: opts.body });
    } catch (e) {
      window.fcDash.busy--;
      return { status: 0, data: { detail: 'the server did not answer (' + e.message + ')' }, headers: new Headers() };
    }
    let data = null;
    const ct = r.headers.get('content-type') || '';
    try {
      if (ct.includes('json')) data = await r.json();
      else if (r.status !== 204) data = await r.text();
    } catch (e) { data = null; }
    window.fcDash.busy--;
    // rate limit (rate_limit_per_second): wait as told, a few times at most
    if (r.status === 429 && (opts.tries || 0) < 3) {
      const wait = Math.min(10, Math.max(1, +r.headers.get('Retry-After') || 1));
      await new Promise((ok) => setTimeout(ok, wait * 1000));
      return api(method, path, Object.assign({}, opts, { tries: (opts.tries || 0) + 1 }));
    }
    if (r.status === 401 && write && !opts.noRetry) {
      const why = (data && data.detail) || 'this server needs an API key';
      if (await askKey(why + '.')) return api(method, path, opts);
    }
    return { status: r.status, data, headers: r.headers };
  }

  const problemText = (res) => {
    const d = res.data;
    if (d && typeof d === 'object') return (d.title ? d.title + ': ' : '') + (d.detail || '') + ' (HTTP ' + res.status + ')';
    return 'HTTP ' + res.status + (d ? ': ' + String(d).slice(0, 200) : '');
  };
  function say(target, kind, ...kids) {
    const m = el('div', { class: 'msg ' + kind }, ...kids);
    state.messages.push(m.textContent);
    target.replaceChildren(m);
    return m;
  }

  /* ---- charts -------------------------------------------------------------- */

  const COLORS = { close: '#1f6feb', ma: '#e36209', open: '#6f42c1', high: '#1a7f37', low: '#c62828',
    volume: '#0a7ea4', predicted: '#e36209', naive: '#8c959f', actual: '#1f6feb', band: 'rgba(227,98,9,0.18)' };
  const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

  function chartWidth(container) {
    return Math.max(200, container.clientWidth || container.parentElement.clientWidth || 600);
  }

  // Creates (or re-creates) chart `name` in #chart-<name>.
  function makeChart(name, opts, data) {
    const container = document.getElementById('chart-' + name);
    if (charts[name]) { charts[name].destroy(); delete charts[name]; }
    container.replaceChildren();
    const o = Object.assign({ width: chartWidth(container), height: 220 }, opts);
    if (o.time !== false) o.tzDate = utc;
    const u = new uPlot(o, data, container);
    charts[name] = u;
    let n = 0;
    for (let s = 1; s < data.length; s++) for (const v of data[s]) if (v != null) n++;
    container.dataset.points = String(data[0].length);
    container.dataset.values = String(n);
    return u;
  }
  function dropChart(name) {
    const container = document.getElementById('chart-' + name);
    if (charts[name]) { charts[name].destroy(); delete charts[name]; }
    if (container) { container.replaceChildren(); delete container.dataset.points; }
  }
  window.addEventListener('resize', () => {
    for (const [name, u] of Object.entries(charts)) {
      const c = document.getElementById('chart-' + name);
      if (c) u.setSize({ width: chartWidth(c), height: u.height });
    }
  });

  const bigAxis = { values: (u, vals) => vals.map(fmtBig), size: 60 };
  const priceAxis = { size: 60 };

  function movingAverage(xs, n) {
    const out = new Array(xs.length).fill(null);
    let sum = 0;
    for (let i = 0; i < xs.length; i++) {
      sum += xs[i];
      if (i >= n) sum -= xs[i - n];
      if (i >= n - 1) out[i] = sum / n;
    }
    return out;
  }

  function histogram(xs, bins) {
    let lo = Infinity, hi = -Infinity;
    for (const v of xs) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!(hi > lo)) hi = lo + 1;
    const w = (hi - lo) / bins;
    const centres = [], counts = new Array(bins).fill(0);
    for (let i = 0; i < bins; i++) centres.push(lo + w * (i + 0.5));
    for (const v of xs) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
    return [centres, counts];
  }

  function drawBars() {
    const b = state.bars;
    const x = b.ts;
    const sync = { key: 'fc-ohlcv' };
    makeChart('price', {
      height: 300, cursor: { sync },
      series: [{}, { label: 'Close', stroke: COLORS.close, width: 1 },
        { label: 'MA 14', stroke: COLORS.ma, width: 1.5 },
        { label: 'Anomaly', stroke: COLORS.low, width: 0, paths: () => null,
          points: { show: true, size: 8, fill: COLORS.low, stroke: COLORS.low },
          value: (u, v, si, i) => {
            const a = i != null ? state.anomalyAt.get(i) : null;
            return a ? fmt(v) + ' (z ' + (a.z > 0 ? '+' : '') + fmt(a.z, 2) + ', σ ' + fmt(a.sigma, 4) + ')' : '—';
          } }],
      axes: [{}, priceAxis],
    }, [x, b.close, movingAverage(b.close, 14), new Array(x.length).fill(null)]);
    makeChart('close', { title: 'Close', height: 180, cursor: { sync }, legend: { show: false },
      series: [{}, { label: 'Close', stroke: COLORS.close, width: 1 }], axes: [{}, priceAxis] }, [x, b.close]);
    makeChart('volume', { title: 'Volume', height: 180, cursor: { sync }, legend: { show: false },
      series: [{}, { label: 'Volume', stroke: COLORS.volume, fill: 'rgba(10,126,164,0.25)', width: 1 }],
      axes: [{}, bigAxis] }, [x, b.volume]);
    makeChart('highlow', { title: 'High / low', height: 180, cursor: { sync }, legend: { show: false },
      series: [{}, { label: 'High', stroke: COLORS.high, width: 1 }, { label: 'Low', stroke: COLORS.low, width: 1 }],
      axes: [{}, priceAxis] }, [x, b.high, b.low]);
    makeChart('open', { title: 'Open', height: 180, cursor: { sync }, legend: { show: false },
      series: [{}, { label: 'Open', stroke: COLORS.open, width: 1 }], axes: [{}, priceAxis] }, [x, b.open]);
    const barsPath = uPlot.paths.bars({ size: [0.95, Infinity] });
    for (const f of ['open', 'high', 'low', 'close', 'volume']) {
      const h = histogram(b[f], 40);
      makeChart('hist-' + f, {
        title: f[0].toUpperCase() + f.slice(1), time: false, height: 170, legend: { show: false },
        scales: { x: { time: false } },
        series: [{ value: (u, v) => fmtBig(v) }, { label: 'bars', fill: COLORS[f === 'volume' ? 'volume' : f], stroke: COLORS[f === 'volume' ? 'volume' : f], paths: barsPath, points: { show: false } }],
        axes: [{ values: (u, vals) => vals.map(fmtBig) }, { size: 55 }],
      }, h);
    }
  }

  /* ---- series list ---------------------------------------------------------- */

  async function loadModels(ticker) {
    const res = await api('GET', '/models?ticker=' + encodeURIComponent(ticker));
    state.models[ticker] = res.status === 200 && res.data && Array.isArray(res.data.models) ? res.data.models : null;
    return res;
  }
  const champion = (ticker) => (state.models[ticker] || []).find((m) => m.champion) || null;

  async function loadSeries() {
    const res = await api('GET', '/series');
    if (res.status !== 200) {
      $('#series-empty').hidden = false;
      $('#series-empty').textContent = 'Cannot list series: ' + problemText(res);
      return;
    }
    state.series = res.data.series || [];
    const trained = state.series.filter((s) => s.champion_version != null).map((s) => s.ticker);
    await Promise.all([...trained.map(loadModels), loadNext(trained)]);
    renderSeries();
  }

  // The next session's forecast of every trained series, from one
  // GET /predict?ticker=A,B,C per 100 tickers (the server's cap): each
  // forecast is what /predict?ticker=A answers; a ticker that has none (a
  // model deleted meanwhile) is in `errors` and shows a dash.
  const PREDICT_MAX = 100;
  async function loadNext(tickers) {
    const next = {};
    const parts = [];
    for (let i = 0; i < tickers.length; i += PREDICT_MAX) parts.push(tickers.slice(i, i + PREDICT_MAX));
    await Promise.all(parts.map(async (part) => {
      const res = await api('GET', '/predict?ticker=' + part.map(encodeURIComponent).join(','));
      if (res.status !== 200 || !res.data) return;
      // one ticker answers a single forecast, a list {forecasts, errors}
      for (const f of res.data.forecasts || [res.data]) next[f.ticker] = f;
    }));
    state.next = next;
  }

  function nextCells(f) {
    const p = f && f.predictions && f.predictions[0];
    if (!p) return [el('td', { class: 'num muted' }, '—'), el('td', { class: 'num muted' }, '—')];
    return [el('td', { class: 'num', title: 'session ' + p.date }, fmt(p.close)),
      el('td', { class: 'num' }, fmt(p.lower) + ' – ' + fmt(p.upper))];
  }

  function renderSeries() {
    const tb = $('#series-table tbody');
    tb.replaceChildren();
    for (const s of state.series) {
      const m = champion(s.ticker);
      const met = m && m.metrics;
      const tr = el('tr', { 'data-ticker': s.ticker, class: s.ticker === state.ticker ? 'selected' : null,
        onclick: () => selectTicker(s.ticker) },
        el('td', {}, el('strong', {}, s.ticker)),
        el('td', { class: 'num' }, s.bars),
        el('td', {}, s.first_date || '—'), el('td', {}, s.last_date || '—'),
        el('td', { class: 'num' }, s.champion_version != null ? 'v' + s.champion_version : 'none'),
        el('td', { class: 'num' }, fmt(met && met.model && met.model.rmse, 3)),
        el('td', { class: 'num' }, fmt(met && met.naive && met.naive.rmse, 3)),
        el('td', { class: 'num' }, skillNode(met)),
        ...nextCells(state.next[s.ticker]));
      tb.append(tr);
    }
    $('#series-empty').hidden = state.series.length > 0;
  }

  /* ---- one ticker ----------------------------------------------------------- */

  async function selectTicker(ticker) {
    state.ticker = ticker;
    renderSeries();
    $('#detail').hidden = false;
    $('#detail-title').textContent = ticker;
    const res = await api('GET', '/series/' + encodeURIComponent(ticker) + '/bars');
    if (res.status !== 200) {
      $('#detail-range').textContent = 'cannot read bars: ' + problemText(res);
      return;
    }
    const bars = res.data.bars || [];
    const b = { date: [], ts: [], open: [], high: [], low: [], close: [], volume: [] };
    for (const r of bars) {
      b.date.push(r.date); b.ts.push(dayToTs(r.date));
      b.open.push(r.open); b.high.push(r.high); b.low.push(r.low); b.close.push(r.close); b.volume.push(r.volume);
    }
    state.bars = b;
    $('#detail-range').textContent = bars.length ? bars.length + ' bars, ' + b.date[0] + ' … ' + b.date[b.date.length - 1] : 'no bars';
    if (bars.length) drawBars();
    await Promise.all([loadForecast(), loadModelsPanel(), loadAnomalies(), loadBacktest()]);
    await followLatestJob();
  }

  async function loadForecast() {
    const t = state.ticker;
    const box = $('#forecast-summary');
    $('#forecast-table').hidden = true;
    dropChart('forecast');
    state.forecastOk = false;
    const res = await api('GET', '/predict?ticker=' + encodeURIComponent(t) + '&horizon=10');
    if (t !== state.ticker) return;
    state.forecastOk = res.status === 200;
    if (res.status === 409) {
      say(box, 'info', el('strong', {}, 'No trained model for ' + t + ' yet. '),
        'Train one to get a forecast and compare it with the naive one. ',
        el('button', { type: 'button', class: 'primary', onclick: startTrain }, 'Train a model'));
      return;
    }
    if (res.status !== 200) { say(box, 'err', 'Forecast: ' + problemText(res)); return; }
    const p = res.data;
    const preds = p.predictions || [];
    const met = p.metrics || {};
    const first = preds[0] || {};
    const lvl = p.level != null ? Math.round(p.level * 100) + ' %' : '';
    box.replaceChildren(
      el('div', {}, el('span', { class: 'big' }, fmt(first.close)), ' next close (' + (first.date || '?') + '), ',
        lvl + ' interval ' + fmt(first.lower) + ' … ' + fmt(first.upper) + ', ',
        el('span', { id: 'forecast-pup', title: 'probability that the close is above the last close' }, 'P(up) ' + fmtShare(first.p_up)),
        el('span', { class: 'muted' }, ' · last close ' + fmt(p.last_close) + ' on ' + p.as_of + ' · model v' + p.model_version)),
      el('div', { class: 'versus' },
        el('div', {}, el('span', { class: 'label' }, 'Model RMSE (test)'), fmt(met.model && met.model.rmse, 3)),
        el('div', {}, el('span', { class: 'label' }, 'Naive RMSE (tomorrow = today)'), fmt(met.naive && met.naive.rmse, 3)),
        el('div', {}, el('span', { class: 'label' }, 'Model MAE / naive MAE'),
          fmt(met.model && met.model.mae, 3) + ' / ' + fmt(met.naive && met.naive.mae, 3)),
        el('div', {}, el('span', { class: 'label' }, 'Skill vs naive'), skillNode(met)),
        ...Object.entries(met).filter(([k, v]) => !['period', 'model', 'naive', 'skill'].includes(k) && v && v.rmse != null)
          .map(([k, v]) => el('div', {}, el('span', { class: 'label' }, k + ' RMSE (baseline)'), fmt(v.rmse, 3)))));
    state.messages.push(box.textContent);
    const tb = $('#forecast-table tbody');
    tb.replaceChildren(...preds.map((q) => el('tr', {}, el('td', {}, q.date), el('td', { class: 'num' }, fmt(q.close)),
      el('td', { class: 'num' }, fmt(q.lower)), el('td', { class: 'num' }, fmt(q.upper)),
      el('td', { class: 'num' }, fmtShare(q.p_up)))));
    $('#forecast-table').hidden = preds.length === 0;
    // the last 60 closes, then the forecast with its band, joined at the last close
    const b = state.bars;
    if (!b || !b.close.length || !preds.length) return;
    const k = Math.min(60, b.close.length);
    const x = b.ts.slice(-k), hist = b.close.slice(-k);
    const fc = new Array(k).fill(null), lo = new Array(k).fill(null), hi = new Array(k).fill(null);
    fc[k - 1] = lo[k - 1] = hi[k - 1] = hist[k - 1];
    for (const q of preds) { x.push(dayToTs(q.date)); hist.push(null); fc.push(q.close); lo.push(q.lower); hi.push(q.upper); }
    makeChart('forecast', {
      height: 220,
      series: [{}, { label: 'Close', stroke: COLORS.close, width: 1 },
        { label: 'Forecast', stroke: COLORS.predicted, width: 2 },
        { label: 'Lower', stroke: 'rgba(227,98,9,0.5)', width: 1, dash: [4, 4] },
        { label: 'Upper', stroke: 'rgba(227,98,9,0.5)', width: 1, dash: [4, 4] }],
      bands: [{ series: [4, 3], fill: COLORS.band }],
      axes: [{}, priceAxis],
    }, [x, hist, fc, lo, hi]);
  }

  // The champion's anomalies (|z| >= threshold in return space, z against
  // each day's own scale sigma): marked on the price chart (its legend gives
  // z and sigma) and listed below it.
  async function loadAnomalies() {
    const t = state.ticker;
    const note = $('#anomaly-note');
    const list = $('#anomaly-list');
    note.textContent = '';
    list.hidden = true;
    const res = await api('GET', '/anomalies?ticker=' + encodeURIComponent(t));
    if (t !== state.ticker) return;
    if (res.status === 409) { note.textContent = '· anomalies: no model yet'; return; }
    if (res.status !== 200 || !res.data || !Array.isArray(res.data.anomalies)) {
      note.textContent = '· anomalies: ' + problemText(res);
      return;
    }
    const a = res.data;
    state.anomalies = a;
    if (!charts.price) return;
    const idx = new Map(state.bars.date.map((d, i) => [d, i]));
    const marks = new Array(state.bars.ts.length).fill(null);
    let n = 0;
    state.anomalyAt = new Map();
    for (const x of a.anomalies) {
      const i = idx.get(x.date);
      if (i != null) { marks[i] = state.bars.close[i]; state.anomalyAt.set(i, x); n++; }
    }
    const u = charts.price;
    u.setData([u.data[0], u.data[1], u.data[2], marks]);
    document.getElementById('chart-price').dataset.marks = String(n);
    note.textContent = '· ' + n + ' anomalies marked (|z| ≥ ' + a.threshold + ', model v' + a.model_version +
      (a.checked ? ', ' + a.checked.n + ' days checked' : '') + '; z = residual / σ, the day\'s own scale)';
    const shown = a.anomalies.slice(0, 500);
    $('#anomaly-table tbody').replaceChildren(...shown.map((x) => el('tr', { 'data-date': x.date },
      el('td', {}, x.date), el('td', { class: 'num' }, fmt(x.actual)), el('td', { class: 'num' }, fmt(x.predicted)),
      el('td', { class: 'num' }, fmt(x.residual, 4)), el('td', { class: 'num' }, fmt(x.sigma, 4)),
      el('td', { class: 'num' }, (x.z > 0 ? '+' : '') + fmt(x.z, 2)))));
    list.hidden = shown.length === 0;
  }

  async function loadModelsPanel() {
    const t = state.ticker;
    const note = $('#models-note');
    const res = await loadModels(t);
    if (t !== state.ticker) return;
    const table = $('#models-table');
    table.hidden = true;
    if (res.status !== 200) { note.textContent = 'Models: ' + problemText(res); }
    else if (!state.models[t].length) { note.textContent = 'No model versions yet.'; }
    else {
      note.textContent = 'Skill vs naive = 1 - RMSE_model / RMSE_naive on the held-out test period; positive beats "tomorrow = today".';
      const tb = $('#models-table tbody');
      tb.replaceChildren(...state.models[t].map((m) => {
        const met = m.metrics || {};
        const mo = met.model || {}, na = met.naive || {}, cal = met.calibration || {};
        return el('tr', { 'data-version': m.version },
          el('td', { class: 'num' }, 'v' + m.version + (m.champion ? ' ★' : '')),
          el('td', {}, (m.created_at || '').replace('T', ' ').replace('Z', '')),
          el('td', {}, m.data ? (m.data.first_date + ' … ' + m.data.last_date + ' (' + m.data.bars + ')') : '—'),
          el('td', { class: 'num' }, m.epochs_run != null ? m.epochs_run : '—'),
          el('td', { class: 'num' }, fmt(mo.rmse, 3)), el('td', { class: 'num' }, fmt(na.rmse, 3)),
          el('td', { class: 'num' }, fmt(mo.mae, 3)), el('td', { class: 'num' }, fmt(na.mae, 3)),
          el('td', { class: 'num' }, fmt(mo.directional_accuracy, 3)),
          el('td', { class: 'num' }, skillNode(met)),
          el('td', { class: 'num', title: cal.days != null ? cal.days + ' test days' : null }, fmtShare(cal.coverage80)),
          el('td', { class: 'num' }, fmtShare(cal.coverage95)),
          el('td', { class: 'num' }, fmt(cal.brier, 4)),
          el('td', {}, m.champion ? el('span', { class: 'muted' }, 'champion')
            : el('button', { type: 'button', onclick: () => promote(t, m.version) }, 'Promote')));
      }));
      table.hidden = false;
    }
    renderIntervals(res.status === 200 ? state.models[t] : null);
    await loadEvaluation();
  }

  const INTERVAL_ROWS = [['model', 'model'], ['ewma', 'EWMA'], ['garch', 'GARCH(1,1)']];

  // One group of rows per version: the model's interval scores beside EWMA's
  // and GARCH's on the same days; in each group the lowest interval score at
  // 80 % and at 95 % is highlighted and named in the model's row.
  function renderIntervals(models) {
    const table = $('#intervals-table');
    const note = $('#intervals-note');
    const tb = $('#intervals-table tbody');
    tb.replaceChildren();
    table.hidden = true;
    if (!models || !models.length) { note.textContent = models ? 'No model versions yet.' : ''; return; }
    const rows = [];
    for (const m of models) {
      const met = m.metrics || {};
      const ver = 'v' + m.version + (m.champion ? ' ★' : '');
      const present = INTERVAL_ROWS.filter(([k]) => met[k] && met[k].intervals);
      if (!present.length) {
        rows.push(el('tr', { 'data-version': m.version, class: 'group' }, el('td', { class: 'num' }, ver),
          el('td', { colspan: '16', class: 'muted' }, 'not measured (stored before interval scores existed)')));
        continue;
      }
      const lowest = (key) => {
        let best = null;
        for (const [k] of present) {
          const v = met[k].intervals[key];
          if (v != null && isFinite(v) && (best == null || v < met[best].intervals[key])) best = k;
        }
        return best;
      };
      const best80 = lowest('interval_score80'), best95 = lowest('interval_score95');
      const label = (k) => (INTERVAL_ROWS.find((r) => r[0] === k) || [k, '—'])[1];
      present.forEach(([k, name], i) => {
        const iv = met[k].intervals;
        const isModel = k === 'model';
        const score = (key, best) => el('td', { class: 'num' + (best === k ? ' best' : ''), 'data-key': key,
          title: best === k ? 'lowest interval score of v' + m.version : null }, fmt(iv[key], 4));
        let winner = el('td', {});
        if (isModel) {
          const wins = (best80 === 'model') + (best95 === 'model');
          winner = el('td', { class: wins === 2 ? 'good' : wins === 0 ? 'bad' : 'warn', 'data-key': 'winner' },
            label(best80) + ' / ' + label(best95));
        }
        const cell = (key, content, cls) => el('td', { class: 'num' + (cls ? ' ' + cls : ''), 'data-key': key }, content);
        rows.push(el('tr', { 'data-version': m.version, 'data-forecaster': k, class: i === 0 ? 'group' : null,
          'data-best80': isModel ? best80 : null, 'data-best95': isModel ? best95 : null },
          el('td', { class: 'num' + (i ? ' muted' : '') }, ver),
          el('td', {}, name),
          cell('days', iv.days != null ? iv.days : '—'),
          cell('coverage80', fmtShare(iv.coverage80)),
          cell('coverage80_calm', fmtShare(iv.coverage80_calm)),
          cell('coverage80_middle', fmtShare(iv.coverage80_middle)),
          cell('coverage80_volatile', fmtShare(iv.coverage80_volatile)),
          cell('coverage80_h5', fmtShare(iv.coverage80_h5)),
          cell('coverage95', fmtShare(iv.coverage95)),
          score('interval_score80', best80), score('interval_score95', best95),
          cell('interval_skill80', isModel ? intervalSkillNode(met.interval_skill80, 80) : ''),
          cell('interval_skill95', isModel ? intervalSkillNode(met.interval_skill95, 95) : ''),
          cell('kupiec95_p', pValueNode(iv.kupiec95_p, 'Kupiec (95 % miss count)')),
          cell('christoffersen95_p', pValueNode(iv.christoffersen95_p, 'Christoffersen (95 % misses independent)')),
          cell('miss95_after_miss', fmtShare(iv.miss95_after_miss)),
          winner));
      });
    }
    tb.replaceChildren(...rows);
    table.hidden = false;
    note.textContent = 'In log-return space on the test days the calibration did not use. Interval score (Gneiting & Raftery): ' +
      'width + (2/α) × the miss, lower is better; skill vs GARCH = 1 - IS_model / IS_GARCH. The thirds sort the days by ' +
      'the trailing 20-day volatility known at forecast time. p below 0.05 (red): the test rejects the 95 % misses ' +
      '(Kupiec: too many or too few; Christoffersen: not independent, and "after a miss" says which way: ' +
      'above 5 % they cluster, near 0 they never follow each other).';
  }

  // The champion's test period day by day: actual, its one-step forecast,
  // the naive one, and the day's interval at the level chosen next to the
  // chart (from that day's inputs only); the days whose close fell outside
  // it are marked. The CSV (at the same level) has drift, SMA 14, P(up) and
  // sigma too.
  let evalSeq = 0;
  async function loadEvaluation() {
    const t = state.ticker;
    const seq = ++evalSeq;
    const note = $('#evaluation-note');
    const bandNote = $('#evaluation-band-note');
    const link = $('#evaluation-csv');
    const container = $('#chart-evaluation');
    dropChart('evaluation');
    delete container.dataset.level;
    delete container.dataset.outside;
    state.evaluation = null;
    bandNote.textContent = '';
    link.hidden = true;
    const m = champion(t);
    if (!m) { note.textContent = 'No evaluation yet: no trained model.'; return; }
    const level = $('#evaluation-level').value;
    const path = '/models/' + encodeURIComponent(t) + '/' + m.version + '/evaluation';
    const res = await api('GET', path + '?level=' + level);
    if (t !== state.ticker || seq !== evalSeq) return;
    if (res.status !== 200 || !res.data || !Array.isArray(res.data.points)) {
      note.textContent = 'Evaluation of model v' + m.version + ': ' + problemText(res);
      return;
    }
    state.evaluation = res.data;
    const pts = res.data.points;
    const met = res.data.metrics || m.metrics || {};
    const per = met.period || {};
    const pct = Math.round(100 * (res.data.level != null ? res.data.level : +level) * 10) / 10;
    note.replaceChildren('Model v' + m.version + ', ' + pts.length + ' test days' +
      (per.from ? ' (' + per.from + ' … ' + per.to + ')' : '') + '. RMSE ' + fmt(met.model && met.model.rmse, 3) +
      ' vs naive ' + fmt(met.naive && met.naive.rmse, 3) + ' → skill ', skillNode(met));
    link.href = API + path + '?format=csv&level=' + level;
    link.setAttribute('download', t + '-v' + m.version + '-evaluation-' + pct + '.csv');
    link.textContent = 'Download CSV (' + pct + ' %)';
    link.hidden = false;
    const has = (v) => v != null && isFinite(v);
    const outside = pts.map((p) => (has(p.actual) && has(p.lower) && has(p.upper) &&
      (p.actual < p.lower || p.actual > p.upper) ? p.actual : null));
    const banded = pts.filter((p) => has(p.actual) && has(p.lower) && has(p.upper)).length;
    const missed = outside.filter((v) => v != null).length;
    container.dataset.level = String(res.data.level);
    container.dataset.outside = String(missed);
    bandNote.textContent = banded ? 'The ' + pct + ' % interval held on ' + (banded - missed) + ' of ' + banded + ' days (' +
      fmtShare((banded - missed) / banded) + '); the ' + missed + ' closes outside it are marked in red.'
      : 'No interval for these days.';
    makeChart('evaluation', {
      height: 280,
      series: [{}, { label: 'Actual', stroke: COLORS.actual, width: 1.5 },
        { label: 'Predicted', stroke: COLORS.predicted, width: 1.5 },
        { label: 'Naive', stroke: COLORS.naive, width: 1, dash: [5, 3] },
        { label: 'Lower ' + pct + ' %', stroke: 'rgba(227,98,9,0.45)', width: 1 },
        { label: 'Upper ' + pct + ' %', stroke: 'rgba(227,98,9,0.45)', width: 1 },
        { label: 'Outside', stroke: COLORS.low, width: 0, paths: () => null,
          points: { show: true, size: 4, fill: COLORS.low, stroke: COLORS.low } }],
      bands: [{ series: [5, 4], fill: COLORS.band }],
      axes: [{}, priceAxis],
    }, [pts.map((p) => dayToTs(p.date)), pts.map((p) => p.actual), pts.map((p) => p.predicted), pts.map((p) => p.naive),
      pts.map((p) => p.lower), pts.map((p) => p.upper), outside]);
  }

  async function promote(ticker, version) {
    const res = await api('POST', '/models/' + encodeURIComponent(ticker) + '/' + version + '/promote');
    if (res.status !== 200) { say($('#models-note'), 'err', 'Promote v' + version + ': ' + problemText(res)); return; }
    await loadSeries();
    if (state.ticker === ticker) await Promise.all([loadModelsPanel(), loadForecast(), loadAnomalies()]);
  }

  /* ---- jobs (training, backtests) ------------------------------------------ */

  function stopFollowing() {
    if (state.jobTimer) clearTimeout(state.jobTimer);
    state.jobTimer = null;
    state.job = null;
    $('#train-button').disabled = $('#backtest-button').disabled = false;
  }

  async function startTrain() {
    const t = state.ticker;
    const res = await api('POST', '/train', { type: 'application/json', body: JSON.stringify({ ticker: t }) });
    const box = $('#job-status');
    if (res.status === 202) { follow(res.headers.get('Location') || '/jobs/' + res.data.id, 'train'); return; }
    if (res.status === 409 && res.data && res.data.job) {
      say(box, 'info', 'A job is already queued or running for ' + t + '; following it.');
      follow(res.data.job, 'train');
      return;
    }
    say(box, 'err', 'Train: ' + problemText(res));
  }

  // A walk-forward backtest with the folds, epochs and gap typed next to the
  // button (empty: the server's default); the server checks them (422).
  async function startBacktest() {
    const t = state.ticker;
    const body = { ticker: t };
    for (const [key, id] of [['folds', '#bt-folds'], ['epochs', '#bt-epochs'], ['gap', '#bt-gap']]) {
      const v = $(id).value.trim();
      if (v !== '') body[key] = Number(v);
    }
    const res = await api('POST', '/backtest', { type: 'application/json', body: JSON.stringify(body) });
    const box = $('#job-status');
    if (res.status === 202) { follow(res.headers.get('Location') || '/jobs/' + res.data.id, 'backtest'); return; }
    if (res.status === 409 && res.data && res.data.job) {
      say(box, 'info', 'A backtest of ' + t + ' is already queued or running; following it.');
      follow(res.data.job, 'backtest');
      return;
    }
    say(box, 'err', 'Backtest: ' + problemText(res));
  }

  // The newest finished backtest of the ticker, if any (GET /jobs has the result).
  async function loadBacktest() {
    const t = state.ticker;
    const res = await api('GET', '/jobs?ticker=' + encodeURIComponent(t) + '&state=succeeded&limit=100');
    if (t !== state.ticker) return;
    if (res.status !== 200 || !res.data || !Array.isArray(res.data.jobs)) {
      renderBacktest(null);
      $('#backtest-note').textContent = 'Backtests: ' + problemText(res);
      return;
    }
    renderBacktest(res.data.jobs.find((j) => j.kind === 'backtest' && j.result) || null);
  }

  const FORECASTERS = [['model', 'model'], ['naive', 'naive'], ['drift', 'drift'], ['sma14', 'SMA 14']];

  // One row per fold and one overall: the four RMSEs, the lowest marked, the
  // skill vs naive coloured, and the winner named.
  function renderBacktest(job) {
    const table = $('#backtest-table');
    const note = $('#backtest-note');
    state.backtest = job;
    if (!job || !job.result) {
      table.hidden = true;
      $('#backtest-table tbody').replaceChildren();
      note.textContent = 'No backtest yet: set the folds (and epochs) next to the Backtest button above and run one.';
      return;
    }
    const r = job.result;
    const row = (label, test, epochs, met, cls) => {
      const rmse = FORECASTERS.map(([k]) => (met[k] && met[k].rmse != null && isFinite(met[k].rmse) ? met[k].rmse : Infinity));
      const best = rmse.indexOf(Math.min(...rmse));
      const winner = best >= 0 && isFinite(rmse[best]) ? FORECASTERS[best][1] : '—';
      const beats = met.skill > 0;
      return el('tr', { class: cls + ' ' + (beats ? 'beats' : 'loses'), 'data-winner': FORECASTERS[best] ? FORECASTERS[best][0] : null },
        el('td', {}, label),
        el('td', {}, test ? test.from + ' … ' + test.to : '—'),
        el('td', { class: 'num' }, test && test.n != null ? test.n : '—'),
        el('td', { class: 'num' }, epochs != null ? epochs : ''),
        ...rmse.map((v, i) => el('td', { class: 'num' + (i === best ? ' best' : ''), title: i === best ? 'lowest RMSE of the row' : null },
          fmt(v, 3))),
        el('td', { class: 'num' }, skillNode(met)),
        el('td', { class: best === 0 ? 'good' : 'bad' }, winner));
    };
    const folds = r.folds || [];
    const ov = r.overall || {};
    $('#backtest-table tbody').replaceChildren(
      ...folds.map((f) => row(String(f.fold), f.test, f.epochs_run, f.metrics || {}, 'fold')),
      row('overall', ov.period, null, ov, 'overall'));
    table.hidden = false;
    const won = folds.filter((f) => f.metrics && f.metrics.skill > 0).length;
    note.replaceChildren('Backtest job ' + job.id + (job.finished_at ? ' (' + job.finished_at.replace('T', ' ').replace('Z', ' UTC') + ')' : '') +
      ': ' + folds.length + ' folds, gap ' + (r.gap != null ? r.gap : 0) + ' days; the model beats naive in ' + won + ' of ' +
      folds.length + ' folds, overall ', skillNode(ov));
  }

  // Shows the newest job of the ticker when it is still queued or running
  // (an upload queues a first training by itself), or when it has just
  // produced a model the page has not shown yet.
  async function followLatestJob() {
    const t = state.ticker;
    stopFollowing();
    $('#job-status').textContent = 'No job running.';
    $('#job-progress').hidden = true;
    const res = await api('GET', '/jobs?ticker=' + encodeURIComponent(t) + '&limit=1');
    if (t !== state.ticker || res.status !== 200 || !res.data || !Array.isArray(res.data.jobs)) return;
    const j = res.data.jobs[0];
    if (!j) return;
    const unseen = j.state === 'succeeded' && j.model_version != null &&
      (!state.forecastOk || !(state.models[t] || []).some((m) => m.version === j.model_version));
    if (j.state === 'queued' || j.state === 'running' || unseen) { follow('/jobs/' + j.id, j.kind); return; }
    $('#job-status').replaceChildren('Last job: ' + j.kind + ' job ' + j.id + ', ' + j.state +
      (j.finished_at ? ' at ' + j.finished_at.replace('T', ' ').replace('Z', ' UTC') : '') +
      (j.model_version != null ? ', model v' + j.model_version : '') +
      (j.error ? ': ' + (typeof j.error === 'string' ? j.error : JSON.stringify(j.error)) : '') + '.');
  }

  function follow(location, kind) {
    stopFollowing();
    const path = location.replace(/^https?:\/\/[^/]+/, '');
    state.job = { path, kind, ticker: state.ticker };
    state.loss = { epoch: [], train: [], val: [], fold: null };
    dropChart('loss');
    poll();
  }

  async function poll() {
    const job = state.job;
    if (!job) return;
    const res = await api('GET', job.path);
    if (state.job !== job) return;
    const box = $('#job-status');
    const bar = $('#job-progress');
    if (res.status !== 200) {
      say(box, 'err', 'Job ' + job.path + ': ' + problemText(res));
      stopFollowing();
      return;
    }
    const j = res.data;
    const p = j.progress || {};
    let loss = state.loss;
    if (p.fold != null && p.fold !== loss.fold) {   // a backtest: one loss curve per fold
      loss = state.loss = { epoch: [], train: [], val: [], fold: p.fold };
      dropChart('loss');
    }
    if (p.epoch != null && p.epoch > 0 && loss.epoch[loss.epoch.length - 1] !== p.epoch) {
      loss.epoch.push(p.epoch); loss.train.push(p.train_loss != null ? p.train_loss : null);
      loss.val.push(p.val_loss != null ? p.val_loss : null);
      drawLoss();
    }
    const title = (j.kind || job.kind) + ' job ' + j.id + ' (' + j.ticker + '): ' + j.state;
    const parts = [];
    if (p.folds) parts.push('fold ' + (p.fold || 0) + ' / ' + p.folds);
    if (p.epochs) parts.push('epoch ' + (p.epoch || 0) + ' / ' + p.epochs);
    if (p.train_loss != null) parts.push('train loss ' + Number(p.train_loss).toPrecision(4));
    if (p.val_loss != null) parts.push('val loss ' + Number(p.val_loss).toPrecision(4));
    if (p.best_epoch != null) parts.push('best epoch ' + p.best_epoch);
    if (p.eta_seconds != null && (j.state === 'running')) parts.push('about ' + Math.ceil(p.eta_seconds) + ' s left');
    const done = j.state === 'succeeded' || j.state === 'failed' || j.state === 'cancelled';
    say(box, j.state === 'failed' ? 'err' : done ? 'ok' : 'info', el('strong', {}, title), parts.length ? ' · ' + parts.join(' · ') : '',
      j.error ? ' · ' + (typeof j.error === 'string' ? j.error : JSON.stringify(j.error)) : '',
      j.model_version != null ? ' · model v' + j.model_version : '');
    bar.hidden = done && j.state !== 'succeeded';
    // a backtest's bar runs over every fold's epochs
    const folds = p.folds || 1, fold = p.fold ? p.fold - 1 : 0;
    bar.max = (p.epochs || 1) * folds;
    bar.value = done && j.state === 'succeeded' ? bar.max : fold * (p.epochs || 1) + (p.epoch || 0);
    $('#train-button').disabled = $('#backtest-button').disabled = !done;
    if (!done) { state.jobTimer = setTimeout(poll, POLL_MS); return; }
    state.job = null;
    $('#train-button').disabled = $('#backtest-button').disabled = false;
    if (j.state === 'succeeded' && j.kind === 'backtest') {
      if (state.ticker === job.ticker) renderBacktest(j);
    } else if (j.state === 'succeeded') {
      await loadSeries();
      if (state.ticker === job.ticker) await Promise.all([loadModelsPanel(), loadForecast(), loadAnomalies()]);
    }
  }

  function drawLoss() {
    const l = state.loss;
    if (l.epoch.length < 2) return; // a curve needs two epochs
    const series = [{ label: 'epoch' }, { label: 'train loss', stroke: COLORS.close, width: 1.5 }];
    const data = [l.epoch.slice(), l.train.slice()];
    if (l.val.some((v) => v != null)) { series.push({ label: 'val loss', stroke: COLORS.ma, width: 1.5 }); data.push(l.val.slice()); }
    if (charts.loss && charts.loss.series.length === series.length) { charts.loss.setData(data); }
    else makeChart('loss', { time: false, height: 160, scales: { x: { time: false } }, series,
      axes: [{ incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { size: 60 }] }, data);
    const c = document.getElementById('chart-loss');
    c.dataset.points = String(l.epoch.length);
  }

  /* ---- upload --------------------------------------------------------------- */

  function tickerFromName(name) {
    const base = name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '').toUpperCase();
    const t = base.replace(/[^A-Z0-9.\-^=]/g, '').slice(0, 16);
    return t || 'SERIES';
  }

  async function upload(file) {
    const out = $('#upload-result');
    const tickerInput = $('#upload-ticker');
    const ticker = (tickerInput.value.trim() || tickerFromName(file.name)).toUpperCase();
    if (!/^[A-Z0-9.\-^=]{1,16}$/.test(ticker)) {
      say(out, 'err', 'Ticker "' + ticker + '": use 1-16 characters of A-Z 0-9 . - ^ =');
      return;
    }
    say(out, 'info', 'Uploading ' + file.name + ' (' + fmtBig(file.size) + 'B) as ' + ticker + ' …');
    const text = await file.text();
    const q = $('#upload-skip').checked ? '?on_error=skip' : '';
    const res = await api('POST', '/series/' + encodeURIComponent(ticker) + '/bars' + q, { type: 'text/csv', body: text });
    const d = res.data || {};
    if (res.status === 200) {
      const m = say(out, 'ok', el('strong', {}, ticker + ': ' + d.received + ' bars received'),
        ' · ' + d.inserted + ' inserted, ' + d.updated + ' updated, ' + d.unchanged + ' unchanged, ' + d.skipped +
        ' skipped · series now ' + d.bars_total + ' bars, ' + d.first_date + ' … ' + d.last_date);
      if (d.errors && d.errors.length) m.append(errorTable(d.errors));
      await loadSeries();
      await selectTicker(ticker);
      return;
    }
    const m = say(out, 'err', el('strong', {}, 'Upload refused: '), problemText(res));
    if (Array.isArray(d.errors) && d.errors.length) {
      m.append(el('div', {}, d.errors.length + ' row error(s); nothing was written' +
        (q ? '' : ' (tick "keep the good rows" to skip them)') + ':'), errorTable(d.errors));
    }
  }

  function errorTable(errors) {
    const shown = errors.slice(0, 500);
    return el('div', { class: 'errors', tabindex: '0', role: 'region', 'aria-label': 'Rejected rows' }, el('table', { class: 'data small', id: 'upload-errors' },
      el('thead', {}, el('tr', {}, el('th', { class: 'num' }, 'Row'), el('th', {}, 'Date'), el('th', {}, 'Field'), el('th', {}, 'Message'))),
      el('tbody', {}, ...shown.map((e) => el('tr', {}, el('td', { class: 'num' }, e.row != null ? e.row : ''),
        el('td', {}, e.date || ''), el('td', {}, e.field || ''), el('td', {}, e.message || ''))))),
    errors.length > shown.length ? el('div', { class: 'muted' }, '… and ' + (errors.length - shown.length) + ' more') : null);
  }

  /* ---- wiring --------------------------------------------------------------- */

  async function health() {
    const pill = $('#server-status');
    const res = await api('GET', '/readyz');
    pill.textContent = res.status === 200 ? 'server ready' : res.status === 0 ? 'server unreachable' : 'server not ready';
    pill.className = 'pill ' + (res.status === 200 ? 'ok' : 'down');
  }

  function wire() {
    const dz = $('#drop-zone');
    ['dragenter', 'dragover'].forEach((ev) => dz.addEventListener(ev, (e) => { e.preventDefault(); dz.classList.add('over'); }));
    ['dragleave', 'drop'].forEach((ev) => dz.addEventListener(ev, () => dz.classList.remove('over')));
    dz.addEventListener('drop', (e) => {
      e.preventDefault();
      const f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
      if (f) upload(f);
    });
    // a file dropped outside the zone must not navigate away from the page
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => e.preventDefault());
    dz.addEventListener('keydown', (e) => {
      if (e.target === dz && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); $('#file-input').click(); }
    });
    $('#file-input').addEventListener('change', (e) => {
      const f = e.target.files[0];
      if (f) upload(f);
      e.target.value = '';
    });
    $('#refresh-button').addEventListener('click', async () => {
      await Promise.all([health(), loadSeries()]);
      if (state.ticker) await selectTicker(state.ticker);
    });
    $('#train-button').addEventListener('click', startTrain);
    $('#backtest-button').addEventListener('click', startBacktest);
    $('#evaluation-level').addEventListener('change', () => { if (state.ticker) loadEvaluation(); });
    $('#delete-button').addEventListener('click', async () => {
      const t = state.ticker;
      if (!t || !confirm('Delete ' + t + ' with its models and jobs?')) return;
      const res = await api('DELETE', '/series/' + encodeURIComponent(t));
      if (res.status !== 204) { say($('#upload-result'), 'err', 'Delete ' + t + ': ' + problemText(res)); return; }
      stopFollowing();
      state.ticker = null;
      $('#detail').hidden = true;
      await loadSeries();
    });
    $('#key-button').addEventListener('click', () => askKey('Set the API key for uploads, training and other changes.'));
    if (API) {
      $('#openapi-link').href = API + '/openapi.json';
      $('#server-status').title = 'API: ' + API;
      $('.tagline').textContent = 'API at ' + API;
    }
    showKeyState();
  }

  async function start() {
    wire();
    await Promise.all([health(), loadSeries()]);
    const want = new URLSearchParams(location.search).get('ticker');
    const first = state.series.find((s) => s.ticker === (want || '').toUpperCase()) || state.series[0];
    if (first) await selectTicker(first.ticker);
    window.fcDash.ready = true;
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
