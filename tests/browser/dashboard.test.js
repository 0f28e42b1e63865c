// Browser tests of the dashboard (web/): headless Debian Chromium driven by
// playwright-core, against the real forecastd started here on a free port
// (port 0: the server picks one and logs it) with a temporary database.
//
//   cd tests/browser && npm ci && npm test
//
// Accessibility: axe-core (@axe-core/playwright) finds no serious or
// critical violation, wide and at 390 px.
//
// Environment: FORECASTD_BIN (default build/forecastd), CHROMIUM
// (default /usr/bin/chromium). Screenshots go to tests/browser/artifacts/.
// Node 18 or later (node:test).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { spawn } = require('node:child_process');
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(process.env.FORECASTD_BIN || path.join(ROOT, 'build', 'forecastd'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WEB = path.join(ROOT, 'web');
const ARTIFACTS = path.join(__dirname, 'artifacts');
const NFLX = path.join(ROOT, 'data', 'NFLX.csv');
fs.mkdirSync(ARTIFACTS, { recursive: true });

const CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/* ---- the server ------------------------------------------------------------- */

// Starts `forecastd serve` in a fresh temporary directory (its working
// directory too, so no ./config/forecastd.json is read), with the given
// config keys on top of web_dir and small training defaults.
async function startServer(config = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc_browser_'));
  const cfg = Object.assign({ web_dir: WEB, train: { epochs: 8 } }, config);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FORECASTD_')) env[k] = v;
  const proc = spawn(BIN, ['serve', '--port', '0', '--db', path.join(dir, 'var', 'forecastd.db'),
    '--config', path.join(dir, 'config.json')], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const log = [];
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + log.join('\n'))), 60000);
    proc.stderr.on('data', (chunk) => {
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        log.push(line);
        const m = /listening on http:\/\/[^ ]*:(\d+)\//.exec(line);
        if (m) { clearTimeout(timer); resolve(+m[1]); }
      }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error('server exited ' + code + ':\n' + log.join('\n'))); });
    proc.on('error', (err) => { clearTimeout(timer); reject(new Error('cannot start ' + BIN + ': ' + err.message)); });
  });
  const base = 'http://127.0.0.1:' + port;
  for (let i = 0; i < 600; i++) {
    try { if ((await fetch(base + '/readyz')).status === 200) break; } catch (e) { /* not yet */ }
    await sleep(50);
  }
  return {
    port, base, log, dir,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      const code = await new Promise((resolve) => { proc.on('exit', (c) => resolve(c)); proc.kill('SIGTERM'); });
      fs.rmSync(dir, { recursive: true, force: true });
      assert.equal(code, 0, 'forecastd exits 0 on SIGTERM; last log lines:\n' + log.slice(-20).join('\n'));
      return code;
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A second origin for the CORS test: serves web/ on another free port.
function startStatic() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const srv = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p === '/') p = '/index.html';
    const file = path.join(WEB, path.normalize(p));
    if (!file.startsWith(WEB + path.sep) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    base: 'http://127.0.0.1:' + srv.address().port,
    stop: () => new Promise((r) => srv.close(r)),
  })));
}

/* ---- the browser ------------------------------------------------------------- */

// A fresh profile per test (--user-data-dir through launchPersistentContext).
async function openBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fc_chromium_'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROME_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const problems = [];
  // Answers the page expects and shows as messages (no model yet, a refused
  // upload, a missing key) are logged by Chromium as
  // "Failed to load resource"; each test lists the ones it allows. Anything
  // else on the console at error level, and any uncaught exception, fails.
  page.allowed = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = (msg.location() && msg.location().url) || '';
    const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(msg.text());
    if (m && page.allowed.some(([status, re]) => status === +m[1] && re.test(url))) return;
    problems.push('console error: ' + msg.text() + ' (' + url + ')');
  });
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  return {
    ctx, page, problems,
    async close() { await ctx.close(); fs.rmSync(profile, { recursive: true, force: true }); },
  };
}

// API answers that mean "no model yet" (a series not trained).
const NO_MODEL = [[409, /\/(predict|anomalies)\b/]];

async function settle(page) {
  await page.waitForFunction(() => window.fcDash && window.fcDash.ready && window.fcDash.busy === 0, null, { timeout: 60000 });
}

async function shot(page, name) {
  const file = path.join(ARTIFACTS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// What each chart holds: points on x, non-null values per series, and how
// many canvas pixels are coloured (series strokes; axes and text are grey).
async function chartStats(page) {
  return page.evaluate(() => {
    const out = {};
    for (const [name, u] of Object.entries(window.fcDash.charts)) {
      const c = u.ctx.canvas;
      const img = u.ctx.getImageData(0, 0, c.width, c.height).data;
      let coloured = 0;
      for (let i = 0; i < img.length; i += 4) {
        const mx = Math.max(img[i], img[i + 1], img[i + 2]), mn = Math.min(img[i], img[i + 1], img[i + 2]);
        if (img[i + 3] > 0 && mx - mn > 60) coloured++;
      }
      out[name] = {
        x: u.data[0].length,
        values: u.data.slice(1).map((s) => s.filter((v) => v != null).length),
        sums: u.data.slice(1).map((s) => s.reduce((a, v) => a + (v || 0), 0)),
        first: u.data.map((s) => s[0]), last: u.data.map((s) => s[s.length - 1]),
        coloured,
      };
    }
    return out;
  });
}

function readCsv(file) {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const rows = lines.slice(1).map((l) => l.split(','));
  return { header: lines[0], rows, text: lines.join('\n') + '\n' };
}

async function uploadByInput(page, name, text, ticker) {
  await page.fill('#upload-ticker', ticker || '');
  await page.setInputFiles('#file-input', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });
}

// The drop zone gets a real drop event carrying a File in its DataTransfer.
async function uploadByDrop(page, name, text, ticker) {
  await page.fill('#upload-ticker', ticker || '');
  const dt = await page.evaluateHandle(([n, t]) => {
    const d = new DataTransfer();
    d.items.add(new File([t], n, { type: 'text/csv' }));
    return d;
  }, [name, text]);
  await page.dispatchEvent('#drop-zone', 'dragenter', { dataTransfer: dt });
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: dt });
}

async function waitForBars(page, n) {
  await page.waitForFunction((n) => {
    if (!window.fcDash) return false;
    const c = window.fcDash.charts;
    return c.price && c.price.data[0].length === n && c['hist-volume'] && window.fcDash.busy === 0;
  }, n, { timeout: 60000 });
}

/* ---- the tests ----------------------------------------------------------------- */

const nflx = readCsv(NFLX);
const N = nflx.rows.length;

test('upload by drop and by the file control; every chart holds the bars; no console errors', async () => {
  const srv = await startServer({ train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = NO_MODEL;
    await page.goto(srv.base + '/');
    await settle(page);
    assert.equal(await page.isVisible('#series-empty'), true, 'an empty server says how to start');

    // a part of the sample, dropped on the drop zone (ticker from the field)
    const part = [nflx.header, ...nflx.rows.slice(0, 300).map((r) => r.join(','))].join('\n') + '\n';
    await uploadByDrop(page, 'part.csv', part, 'nflxpart');
    await waitForBars(page, 300);
    assert.match(await page.textContent('#upload-result'), /NFLXPART: 300 bars received/);

    // the whole sample through the file control (ticker from the file name)
    await uploadByInput(page, 'NFLX.csv', nflx.text, '');
    await waitForBars(page, N);
    assert.match(await page.textContent('#upload-result'), new RegExp('NFLX: ' + N + ' bars received.*' + N + ' inserted'));
    await settle(page);

    const rows = await page.$$eval('#series-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    const row = rows.find((r) => r[0] === 'NFLX');
    assert.ok(row, 'NFLX in the series list: ' + JSON.stringify(rows));
    assert.deepEqual(row.slice(0, 4), ['NFLX', String(N), nflx.rows[0][0], nflx.rows[N - 1][0]]);
    assert.ok(rows.find((r) => r[0] === 'NFLXPART' && r[1] === '300'), 'the dropped part is listed too');

    const s = await chartStats(page);
    const col = (i) => nflx.rows.map((r) => +r[i]);
    const sum = (xs) => xs.reduce((a, v) => a + v, 0);
    const close = col(4);
    // the price chart: every close, the 14-day MA from the 14th bar on
    assert.equal(s.price.x, N);
    assert.equal(s.price.values[0], N, 'closes plotted');
    assert.equal(s.price.values[1], N - 13, 'MA 14 values plotted');
    assert.equal(s.price.first[1], close[0]);
    assert.equal(s.price.last[1], close[N - 1]);
    const ma = sum(close.slice(-14)) / 14;
    assert.ok(Math.abs(s.price.last[2] - ma) < 1e-6, 'last MA 14 = mean of the last 14 closes');
    // the four panels
    for (const [name, cols] of [['close', [4]], ['volume', [6]], ['highlow', [2, 3]], ['open', [1]]]) {
      assert.equal(s[name].x, N, name + ': x points');
      cols.forEach((c, k) => {
        assert.equal(s[name].values[k], N, name + ': values of series ' + k);
        assert.ok(Math.abs(s[name].sums[k] - sum(col(c))) <= 1e-6 * Math.abs(sum(col(c))), name + ': same values as the CSV');
      });
    }
    // histograms: the counts add up to the bars
    for (const f of ['open', 'high', 'low', 'close', 'volume']) {
      assert.equal(s['hist-' + f].sums[0], N, 'histogram of ' + f + ' counts every bar');
    }
    // something is drawn, not only axes
    for (const name of ['price', 'close', 'volume', 'highlow', 'open', 'hist-open', 'hist-high', 'hist-low', 'hist-close', 'hist-volume']) {
      assert.ok(s[name].coloured > 200, name + ': coloured pixels ' + s[name].coloured);
    }
    const pointsAttr = await page.getAttribute('#chart-price', 'data-points');
    assert.equal(pointsAttr, String(N));
    await shot(page, '01-dashboard-nflx');
    console.log('charts: ' + Object.entries(s).map(([k, v]) => k + '=' + v.x + 'x' + v.values.join('/')).join(' '));

    // the placeholders for what needs a model
    const forecast = await page.textContent('#forecast-card');
    assert.match(forecast, /No trained model for NFLX yet/);
    assert.match(await page.textContent('#anomaly-note'), /anomalies: no model yet/);
    assert.match(await page.textContent('#backtest-note'), /No backtest yet/);
    assert.match(await page.textContent('#evaluation-note'), /No evaluation yet/);

    // pick the other series in the list, then delete it (confirm accepted)
    await page.click('#series-table tbody tr[data-ticker="NFLXPART"]');
    await page.waitForFunction(() => window.fcDash.charts.price && window.fcDash.charts.price.data[0].length === 300);
    await settle(page);
    assert.equal(await page.textContent('#detail-title'), 'NFLXPART');
    page.once('dialog', (d) => d.accept());
    await page.click('#delete-button');
    await page.waitForFunction(() => !document.querySelector('#series-table tbody tr[data-ticker="NFLXPART"]'));
    await settle(page);
    const left = (await (await fetch(srv.base + '/series')).json()).series.map((x) => x.ticker);
    assert.deepEqual(left, ['NFLX'], 'deleted on the server too');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});

test('a refused CSV shows its row errors (422 problem+json)', async () => {
  const srv = await startServer({ train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = [...NO_MODEL, [422, /\/series\/BAD\/bars/]];
    await page.goto(srv.base + '/');
    await settle(page);
    const rows = nflx.rows.slice(0, 6).map((r) => r.slice());
    rows[1][4] = 'null';        // row 2: close is not a number
    rows[3][0] = '2002-13-45';  // row 4: no such date
    rows[4][6] = '-5';          // row 5: negative volume
    const text = [nflx.header, ...rows.map((r) => r.join(','))].join('\n') + '\n';
    const direct = await fetch(srv.base + '/series/CHECK/bars', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: text });
    const expected = (await direct.json()).errors;
    assert.equal(direct.status, 422);

    await uploadByInput(page, 'bad.csv', text, 'BAD');
    await page.waitForSelector('#upload-errors tbody tr');
    await settle(page);
    const shown = await page.$$eval('#upload-errors tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    assert.deepEqual(shown, expected.map((e) => [String(e.row), e.date || '', e.field || '', e.message || '']));
    assert.ok(shown.some((r) => r[0] === '2' && r[2] === 'close'), 'row 2 close named: ' + JSON.stringify(shown));
    assert.match(await page.textContent('#upload-result'), /Upload refused.*Unprocessable/);
    const list = await (await fetch(srv.base + '/series')).json();
    assert.equal(list.series.length, 0, 'nothing written');
    console.log('row errors shown: ' + JSON.stringify(shown));
    await shot(page, '02-upload-errors');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});

test('train a model from the page and see its forecast next to the naive one', async () => {
  const srv = await startServer({ train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = NO_MODEL;
    await page.goto(srv.base + '/');
    await settle(page);
    const part = [nflx.header, ...nflx.rows.slice(-1500).map((r) => r.join(','))].join('\n') + '\n';
    await uploadByInput(page, 'NFLX.csv', part, 'NFLX');
    await waitForBars(page, 1500);
    await page.waitForSelector('#forecast-card button.primary');
    await page.click('#forecast-card button.primary');          // "Train a model"
    await page.waitForFunction(() => /epoch|queued|running|succeeded/.test(document.querySelector('#job-status').textContent));
    await page.waitForFunction(() => /: (succeeded|failed|cancelled)/.test(document.querySelector('#job-status').textContent), null, { timeout: 600000 });
    const status = await page.textContent('#job-status');
    console.log('job: ' + status);
    assert.match(status, /succeeded/);
    await page.waitForSelector('#forecast-table tbody tr', { timeout: 60000 });
    await settle(page);
    const preds = await page.$$eval('#forecast-table tbody tr', (trs) => trs.length);
    assert.equal(preds, 10, 'ten sessions forecast');
    const s = await chartStats(page);
    assert.equal(s.forecast.values[1], 10 + 1, 'forecast line: the last close and ten sessions');
    assert.equal(s.forecast.values[2], 11, 'lower band');
    assert.equal(s.forecast.values[3], 11, 'upper band');
    const card = await page.textContent('#forecast-card');
    assert.match(card, /Model RMSE \(test\)[\d.]+/);
    assert.match(card, /Naive RMSE \(tomorrow = today\)[\d.]+/);
    assert.match(card, /Skill vs naive[+-][\d.]+ %/);
    const row = await page.$$eval('#series-table tbody tr[data-ticker="NFLX"] td', (tds) => tds.map((td) => td.textContent));
    assert.match(row[4], /^v\d+$/, 'champion in the series list');
    assert.match(row[7], /[+-][\d.]+ %/, 'skill vs naive in the series list');
    assert.ok((await page.$$('#models-table tbody tr')).length >= 1, 'model versions listed');
    if (s.loss) console.log('loss chart: ' + s.loss.x + ' epochs');
    assert.ok(s.evaluation, 'the evaluation chart is drawn');
    console.log('evaluation chart: ' + s.evaluation.x + ' test days');
    assert.equal(s.evaluation.values[0], s.evaluation.x);
    await shot(page, '03-trained-forecast');
    // a second version, then roll back to the first with its promote button
    await page.click('#train-button');
    await page.waitForFunction(() => /: succeeded.*model v2/.test(document.querySelector('#job-status').textContent), null, { timeout: 600000 });
    await page.waitForFunction(() => document.querySelectorAll('#models-table tbody tr').length === 2);
    await settle(page);
    assert.equal(await page.textContent('#series-table tbody tr[data-ticker="NFLX"] td:nth-child(5)'), 'v2');
    await page.click('#models-table tbody tr[data-version="1"] button');
    await page.waitForFunction(() => document.querySelector('#series-table tbody tr[data-ticker="NFLX"]').cells[4].textContent === 'v1');
    await settle(page);
    assert.match(await page.textContent('#forecast-card'), /model v1/);
    const champ = (await (await fetch(srv.base + '/models?ticker=NFLX')).json()).models.filter((m) => m.champion).map((m) => m.version);
    assert.deepEqual(champ, [1], 'the server has v1 as champion after the promote button');
    console.log('promote: champion v1 after rolling back from v2');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});

test('the automatic first training (train_on_first_ingest) is followed by the page without a click', async () => {
  const srv = await startServer({ train_on_first_ingest: true });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = NO_MODEL;
    await page.goto(srv.base + '/');
    await settle(page);
    const part = [nflx.header, ...nflx.rows.slice(-1200).map((r) => r.join(','))].join('\n') + '\n';
    await uploadByInput(page, 'AUTO.csv', part, '');
    await waitForBars(page, 1200);
    // followed live, or already finished when the page asked ("Last job: ..., succeeded")
    await page.waitForFunction(() => /[:,] succeeded/.test(document.querySelector('#job-status').textContent), null, { timeout: 600000 });
    await page.waitForSelector('#forecast-table tbody tr', { timeout: 60000 });
    await settle(page);
    console.log('automatic job: ' + await page.textContent('#job-status'));
    assert.equal((await page.$$('#forecast-table tbody tr')).length, 10);
    assert.match(await page.textContent('#forecast-card'), /Skill vs naive[+-][\d.]+ %/);
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});

test('with an API key: a 401 asks for the key once, it is kept in sessionStorage and sent as Bearer', async () => {
  const KEY = 'browser-test-key-123';
  const srv = await startServer({ api_key: KEY, train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = [...NO_MODEL, [401, /\/series\/KEYED\/bars/]];
    await page.goto(srv.base + '/');
    await settle(page);
    assert.equal(await page.textContent('#key-button'), 'API key: not set');
    const part = [nflx.header, ...nflx.rows.slice(0, 250).map((r) => r.join(','))].join('\n') + '\n';
    await uploadByInput(page, 'k.csv', part, 'KEYED');
    await page.waitForSelector('#key-dialog[open]');
    assert.match(await page.textContent('#key-reason'), /API key/);
    await shot(page, '04-api-key-prompt');
    await page.fill('#key-input', KEY);
    await page.click('#key-ok');
    await waitForBars(page, 250);
    assert.match(await page.textContent('#upload-result'), /KEYED: 250 bars received/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('forecastd.apiKey:' + location.origin)), KEY);
    assert.equal(await page.textContent('#key-button'), 'API key: set');
    // the second write goes through without asking again
    await uploadByInput(page, 'k.csv', part, 'KEYED');
    await page.waitForFunction(() => /250 unchanged/.test(document.querySelector('#upload-result').textContent));
    assert.equal(await page.isVisible('#key-dialog'), false);
    // training (a POST too) goes through with the kept key
    await page.click('#train-button');
    await page.waitForFunction(() => /: (succeeded|failed)/.test(document.querySelector('#job-status').textContent), null, { timeout: 600000 });
    assert.match(await page.textContent('#job-status'), /succeeded/);
    const count401 = (re) => srv.log.filter((l) => /status=401/.test(l) && re.test(l)).length;
    const unauth = count401(/path="\/series\//);
    console.log('401 answers to the page: ' + unauth);
    assert.equal(unauth, 1, 'one 401 (the first upload), then the key is sent');
    assert.equal(count401(/path="\/train"/), 0, 'the page sent the key with POST /train');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});

test('with a rate limit (rate_limit_per_second 3) the page still loads all its files and data', async () => {
  const srv = await startServer({ rate_limit_per_second: 3, train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = [...NO_MODEL, [429, /./]];
    const part = [nflx.header, ...nflx.rows.slice(0, 500).map((r) => r.join(','))].join('\n') + '\n';
    const up = await fetch(srv.base + '/series/RL/bars', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: part });
    assert.equal(up.status, 200);
    await sleep(1500);   // a full bucket
    await page.goto(srv.base + '/');
    await waitForBars(page, 500);
    await settle(page);
    const refused = srv.log.filter((l) => /status=429/.test(l)).length;
    console.log('429 answers while loading: ' + refused);
    assert.ok(refused > 0, 'the limit was hit (else this test checks nothing)');
    const s = await chartStats(page);
    assert.equal(s.close.values[0], 500);
    assert.equal(await page.textContent('#server-status'), 'server ready');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('header')).display), 'flex', 'style.css applied');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});

test('CORS: the dashboard served from another origin uses the API when cors_origin allows it', async () => {
  const KEY = 'cors-key';
  const other = await startStatic();
  const srv = await startServer({ api_key: KEY, cors_origin: other.base, train_on_first_ingest: false });
  const closed = await startServer({ train_on_first_ingest: false });   // no cors_origin
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = NO_MODEL;
    await page.addInitScript(([k, api]) => sessionStorage.setItem('forecastd.apiKey:' + api, k), [KEY, srv.base]);
    await page.goto(other.base + '/?api=' + encodeURIComponent(srv.base));
    await settle(page);
    assert.equal(await page.textContent('#server-status'), 'server ready');
    const part = [nflx.header, ...nflx.rows.slice(0, 400).map((r) => r.join(','))].join('\n') + '\n';
    await uploadByInput(page, 'x.csv', part, 'XORIGIN');   // preflighted: Authorization + text/csv
    await waitForBars(page, 400);
    assert.match(await page.textContent('#upload-result'), /XORIGIN: 400 bars received/);
    const s = await chartStats(page);
    assert.equal(s.close.values[0], 400);
    assert.ok(srv.log.some((l) => /method=OPTIONS path="\/series\/XORIGIN\/bars" status=204/.test(l)), 'a preflight reached the server');
    // training from the other origin: a preflighted POST /train, then the
    // job followed through the Location header (exposed by the server)
    await page.click('#train-button');
    await page.waitForFunction(() => /: (succeeded|failed)/.test(document.querySelector('#job-status').textContent), null, { timeout: 600000 });
    assert.match(await page.textContent('#job-status'), /succeeded/);
    await page.waitForSelector('#forecast-table tbody tr', { timeout: 60000 });
    await settle(page);
    assert.ok(srv.log.some((l) => /method=OPTIONS path="\/train" status=204/.test(l)), 'a preflight for POST /train');
    console.log('CORS: trained and predicted from ' + other.base);
    await shot(page, '05-cors-external-origin');
    // a server without cors_origin: the browser refuses to hand over the answer
    const refused = await page.evaluate(async (u) => {
      try { await fetch(u + '/series'); return 'read'; } catch (e) { return 'blocked'; }
    }, closed.base);
    assert.equal(refused, 'blocked');
    assert.deepEqual(problems.filter((p) => !/CORS|Access-Control|Failed to fetch|ERR_FAILED/.test(p)), []);
  } finally {
    await b.close();
    await srv.stop();
    await closed.stop();
    await other.stop();
  }
});

/* ---- evaluation, anomalies, calibration, backtests (the real endpoints) ---- */

// The page's number formats (web/app.js: fmt, fmtShare, fmtPct).
const fmt = (x, d = 2) => (x == null || !isFinite(x) ? '—' : Number(x).toFixed(d));
const fmtShare = (x, d = 1) => (x == null || !isFinite(x) ? '—' : (100 * x).toFixed(d) + ' %');
const fmtPct = (x, d = 2) => (x == null || !isFinite(x) ? '—' : (x >= 0 ? '+' : '') + (100 * x).toFixed(d) + ' %');

async function getJson(base, p) {
  const r = await fetch(base + p);
  assert.equal(r.status, 200, 'GET ' + p);
  return r.json();
}

async function postJson(base, p, body) {
  return fetch(base + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

async function waitJob(base, loc) {
  for (let i = 0; i < 6000; i++) {
    const j = await getJson(base, loc);
    if (['succeeded', 'failed', 'cancelled'].includes(j.state)) return j;
    await sleep(100);
  }
  throw new Error('job ' + loc + ' did not finish');
}

// A daily random walk (every day of the week: a 24/7 calendar) with bounded
// moves, uniform in +-3.46 % of log return (sd 2 %), and +-25 % jumps on the
// given days. Returns the CSV and the jump dates.
function plantedJumps(n, at, seed) {
  let a = seed >>> 0;
  const rnd = () => {   // mulberry32
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rows = ['Date,Open,High,Low,Close,Volume'];
  const jumps = [];
  let day = Date.UTC(2005, 0, 3);
  let c = 100;
  for (let t = 0; t < n; t++) {
    let r = 0.0346 * (2 * rnd() - 1);
    const k = at.indexOf(t);
    const date = new Date(day).toISOString().slice(0, 10);
    if (k >= 0) { r = k % 2 === 0 ? 0.25 : -0.25; jumps.push(date); }
    c *= Math.exp(r);
    const v = c.toFixed(6);
    rows.push([date, v, v, v, v, 1000000].join(','));
    day += 86400000;
  }
  return { text: rows.join('\n') + '\n', jumps };
}

test('evaluation, anomalies, calibration and P(up) from the real server (planted jumps, 5,200 bars)', async () => {
  const srv = await startServer({ train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = NO_MODEL;
    const T = 'JUMPS';
    const n = 5200;
    const at = [400, 900, 1500, 2100, 2600, 3150, 3700, 4300, 4800, 5150];
    const { text, jumps } = plantedJumps(n, at, 20261127);
    const up = await fetch(srv.base + '/series/' + T + '/bars', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: text });
    assert.equal(up.status, 200);
    const r = await postJson(srv.base, '/train', { ticker: T, epochs: 5 });   // the default preset
    assert.equal(r.status, 202);
    const job = await waitJob(srv.base, r.headers.get('location'));
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    const v = job.model_version;

    const t0 = Date.now();
    await page.goto(srv.base + '/?ticker=' + T);
    await waitForBars(page, n);
    await page.waitForSelector('#anomaly-table tbody tr');
    await page.waitForFunction(() => window.fcDash.charts.evaluation && document.querySelectorAll('#forecast-table tbody tr').length === 10);
    await settle(page);
    console.log('page with ' + n + ' bars, trained: ready in ' + (Date.now() - t0) + ' ms');

    // anomalies: one mark per day the API names, the planted jumps
    const an = await getJson(srv.base, '/anomalies?ticker=' + T);
    assert.deepEqual(an.anomalies.map((x) => x.date), jumps, 'the API finds exactly the planted jumps');
    const marked = await page.evaluate(() => {
      const u = window.fcDash.charts.price;
      const out = [];
      u.data[3].forEach((y, i) => { if (y != null) out.push([window.fcDash.state.bars.date[i], y]); });
      return out;
    });
    assert.equal(marked.length, an.anomalies.length, 'as many marks as the API\'s anomalies');
    assert.deepEqual(marked.map((m) => m[0]), an.anomalies.map((x) => x.date));
    assert.deepEqual(marked.map((m) => m[1]), an.anomalies.map((x) => x.actual), 'each mark at that day\'s close');
    assert.equal(await page.getAttribute('#chart-price', 'data-marks'), String(an.anomalies.length));
    assert.match(await page.textContent('#anomaly-note'), new RegExp(an.anomalies.length + ' anomalies marked \\(\\|z\\| ≥ 3, model v' + v));
    // each anomaly with its day's own scale: z = residual / sigma
    const listed = await page.$$eval('#anomaly-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    assert.deepEqual(listed, an.anomalies.map((x) => [x.date, fmt(x.actual), fmt(x.predicted), fmt(x.residual, 4),
      fmt(x.sigma, 4), (x.z > 0 ? '+' : '') + fmt(x.z, 2)]));
    for (const x of an.anomalies) {
      assert.ok(x.sigma > 0 && Math.abs(x.z - x.residual / x.sigma) < 1e-9 * Math.max(1, Math.abs(x.z)), 'z = residual / sigma on ' + x.date);
    }
    // the price chart's legend gives each mark's z and sigma
    const legend = await page.evaluate(() => {
      const u = window.fcDash.charts.price;
      const out = [];
      u.data[3].forEach((y, i) => { if (y != null) out.push(u.series[3].value(u, y, 3, i)); });
      return out;
    });
    assert.deepEqual(legend, an.anomalies.map((x) => fmt(x.actual) + ' (z ' + (x.z > 0 ? '+' : '') + fmt(x.z, 2) +
      ', σ ' + fmt(x.sigma, 4) + ')'));
    console.log('anomalies: ' + listed.map((x) => x[0] + ' sigma=' + x[4] + ' z=' + x[5]).join(', '));

    // evaluation: the test period's points, as many as metrics.period.n, with
    // the interval band at the level chosen on the page (80 % at first)
    const ev = await getJson(srv.base, '/models/' + T + '/' + v + '/evaluation?level=0.8');
    const s = await chartStats(page);
    const nEv = ev.metrics.period.n;
    assert.equal(s.evaluation.x, nEv, 'points plotted = metrics.period.n');
    assert.deepEqual(s.evaluation.values.slice(0, 5), [nEv, nEv, nEv, nEv, nEv]);
    const plotted = await page.evaluate(() => window.fcDash.charts.evaluation.data.slice(1));
    assert.deepEqual(plotted.slice(0, 5), [ev.points.map((p) => p.actual), ev.points.map((p) => p.predicted),
      ev.points.map((p) => p.naive), ev.points.map((p) => p.lower), ev.points.map((p) => p.upper)]);
    assert.deepEqual(plotted[5], ev.points.map((p) => (p.actual < p.lower || p.actual > p.upper ? p.actual : null)),
      'the closes outside the band are marked');
    assert.ok(s.evaluation.coloured > 200, 'the evaluation lines are drawn');
    assert.match(await page.textContent('#evaluation-note'), new RegExp(ev.metrics.period.n + ' test days \\(' +
      ev.metrics.period.from + ' … ' + ev.metrics.period.to + '\\)'));
    // the CSV, downloaded through the page's link
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#evaluation-csv')]);
    assert.equal(dl.suggestedFilename(), T + '-v' + v + '-evaluation-80.csv');
    const csv = fs.readFileSync(await dl.path(), 'utf8');
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'date,actual,predicted,naive,drift,sma14,p_up,lower,upper,sigma');
    assert.equal(lines.length - 1, ev.metrics.period.n, 'one CSV row per test day');
    assert.equal(csv, await (await fetch(srv.base + '/models/' + T + '/' + v + '/evaluation?format=csv&level=0.8')).text(),
      'the CSV at the level shown');

    // calibration in the versions table
    const model = (await getJson(srv.base, '/models?ticker=' + T)).models.find((m) => m.version === v);
    const cal = model.metrics.calibration;
    assert.ok(cal && cal.coverage80 != null && cal.brier != null, 'the API has calibration: ' + JSON.stringify(cal));
    const vrow = await page.$$eval('#models-table tbody tr[data-version="' + v + '"] td', (tds) => tds.map((td) => td.textContent));
    const head = await page.$$eval('#models-table thead th', (ths) => ths.map((th) => th.textContent));
    const cell = (name) => vrow[head.indexOf(name)];
    assert.equal(cell('Cov. 80 %'), fmtShare(cal.coverage80));
    assert.equal(cell('Cov. 95 %'), fmtShare(cal.coverage95));
    assert.equal(cell('Brier'), fmt(cal.brier, 4));
    console.log('calibration: ' + JSON.stringify(cal));

    // P(up) next to each forecast
    const pred = await getJson(srv.base, '/predict?ticker=' + T + '&horizon=10');
    const frows = await page.$$eval('#forecast-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    assert.deepEqual(frows.map((r) => [r[0], r[4]]), pred.predictions.map((q) => [q.date, fmtShare(q.p_up)]));
    assert.ok(pred.predictions.every((q) => q.p_up >= 0 && q.p_up <= 1));
    assert.equal(await page.textContent('#forecast-pup'), 'P(up) ' + fmtShare(pred.predictions[0].p_up));
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'no horizontal scrolling (the versions table scrolls in its card)');
    await shot(page, '06-evaluation-anomalies');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});

// The interval-quality table against the versions' metrics documents: per
// version a row for the model, EWMA and GARCH(1,1) (those with intervals),
// each figure formatted as the page does; the lowest interval score at 80 %
// and at 95 % highlighted and named in the model's row; the skill vs GARCH
// and the tests' p-values coloured.
async function checkIntervalTable(page, models) {
  const shown = await page.$$eval('#intervals-table tbody tr', (trs) => trs.map((tr) => ({
    version: tr.dataset.version, forecaster: tr.dataset.forecaster, best80: tr.dataset.best80, best95: tr.dataset.best95,
    head: [tr.cells[0].textContent, tr.cells[1].textContent],
    cells: Object.fromEntries([...tr.querySelectorAll('td[data-key]')].map((td) => [td.dataset.key, {
      text: td.textContent, best: td.classList.contains('best'), cls: td.className,
      span: td.querySelector('span') ? td.querySelector('span').className : null,
    }])),
  })));
  const names = { model: 'model', ewma: 'EWMA', garch: 'GARCH(1,1)' };
  const want = [];
  for (const m of models) {
    const met = m.metrics;
    const rows = ['model', 'ewma', 'garch'].filter((k) => met[k] && met[k].intervals);
    assert.deepEqual(rows, ['model', 'ewma', 'garch'], 'v' + m.version + ' has intervals for the model, EWMA and GARCH');
    const lowest = (key) => rows.reduce((a, k) => (met[k].intervals[key] < met[a].intervals[key] ? k : a), rows[0]);
    const best = { interval_score80: lowest('interval_score80'), interval_score95: lowest('interval_score95') };
    for (const k of rows) want.push({ m, k, iv: met[k].intervals, best });
  }
  assert.equal(shown.length, want.length, 'three rows per version');
  want.forEach(({ m, k, iv, best }, i) => {
    const r = shown[i];
    const met = m.metrics;
    const what = 'v' + m.version + ' ' + k;
    assert.equal(r.version, String(m.version), what);
    assert.equal(r.forecaster, k, what);
    assert.deepEqual(r.head, ['v' + m.version + (m.champion ? ' ★' : ''), names[k]], what);
    const text = Object.fromEntries(Object.entries(r.cells).map(([key, c]) => [key, c.text]));
    const pText = (p) => fmt(p, 3);
    const skill = (x) => fmtPct(x, 1) + ' (' + (x > 0 ? 'beats' : x < 0 ? 'worse' : 'ties') + ')';
    const expect = {
      days: String(iv.days),
      coverage80: fmtShare(iv.coverage80), coverage80_calm: fmtShare(iv.coverage80_calm),
      coverage80_middle: fmtShare(iv.coverage80_middle), coverage80_volatile: fmtShare(iv.coverage80_volatile),
      coverage80_h5: fmtShare(iv.coverage80_h5), coverage95: fmtShare(iv.coverage95),
      interval_score80: fmt(iv.interval_score80, 4), interval_score95: fmt(iv.interval_score95, 4),
      interval_skill80: k === 'model' ? skill(met.interval_skill80) : '',
      interval_skill95: k === 'model' ? skill(met.interval_skill95) : '',
      kupiec95_p: pText(iv.kupiec95_p), christoffersen95_p: pText(iv.christoffersen95_p),
      miss95_after_miss: fmtShare(iv.miss95_after_miss),
    };
    if (k === 'model') expect.winner = names[best.interval_score80] + ' / ' + names[best.interval_score95];
    assert.deepEqual(text, expect, what);
    for (const key of ['interval_score80', 'interval_score95']) {
      assert.equal(r.cells[key].best, best[key] === k, what + ': ' + key + ' highlighted only when the lowest of v' + m.version);
    }
    for (const key of ['kupiec95_p', 'christoffersen95_p']) {
      assert.equal(r.cells[key].span, iv[key] < 0.05 ? 'bad' : '', what + ': ' + key + ' red when below 0.05');
    }
    if (k === 'model') {
      assert.equal(r.best80, best.interval_score80);
      assert.equal(r.best95, best.interval_score95);
      for (const lv of ['80', '95']) {
        const x = met['interval_skill' + lv];
        assert.ok(Math.abs(x - (1 - iv['interval_score' + lv] / met.garch.intervals['interval_score' + lv])) < 1e-9,
          'interval_skill' + lv + ' = 1 - IS_model / IS_garch');
        assert.equal(r.cells['interval_skill' + lv].span, x > 0 ? 'good' : x < 0 ? 'bad' : '', what + ': skill ' + lv + ' coloured');
      }
      const wins = (best.interval_score80 === 'model') + (best.interval_score95 === 'model');
      assert.match(r.cells.winner.cls, new RegExp(wins === 2 ? 'good' : wins === 0 ? 'bad' : 'warn'));
    }
  });
  return shown;
}

test('the interval band at 80, 90 and 95 % and the interval quality per version, against the API (NFLX: a point model, then the default one)', async () => {
  const srv = await startServer({ train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = NO_MODEL;
    const up = await fetch(srv.base + '/series/NFLX/bars', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: nflx.text });
    assert.equal(up.status, 200);
    for (const body of [{ ticker: 'NFLX', preset: 'point', epochs: 4 }, { ticker: 'NFLX', epochs: 8 }]) {
      const r = await postJson(srv.base, '/train', body);
      assert.equal(r.status, 202);
      const job = await waitJob(srv.base, r.headers.get('location'));
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
    }
    const models = (await getJson(srv.base, '/models?ticker=NFLX')).models;
    // newest first, as the page lists them
    assert.deepEqual(models.map((m) => [m.version, m.params.preset, m.champion]), [[2, 'default', true], [1, 'point', false]]);

    await page.goto(srv.base + '/?ticker=NFLX');
    await waitForBars(page, N);
    await page.waitForSelector('#intervals-table:not([hidden])');
    await page.waitForFunction(() => window.fcDash.charts.evaluation);
    await settle(page);

    // the band: each level's lower and upper are the API's, point by point
    const champ = models[0];
    const iv = champ.metrics.model.intervals;
    for (const level of ['0.8', '0.9', '0.95']) {
      if (level !== '0.8') {
        await page.selectOption('#evaluation-level', level);
        await page.waitForFunction((l) => document.querySelector('#chart-evaluation').dataset.level === l &&
          window.fcDash.busy === 0, level);
      } else {
        assert.equal(await page.inputValue('#evaluation-level'), '0.8', '80 % at first');
      }
      const ev = await getJson(srv.base, '/models/NFLX/2/evaluation?level=' + level);
      assert.equal(ev.level, +level);
      const data = await page.evaluate(() => window.fcDash.charts.evaluation.data);
      const labels = await page.evaluate(() => window.fcDash.charts.evaluation.series.map((x) => x.label));
      const pct = String(Math.round(1000 * level) / 10);
      assert.deepEqual(labels.slice(1), ['Actual', 'Predicted', 'Naive', 'Lower ' + pct + ' %', 'Upper ' + pct + ' %', 'Outside']);
      assert.deepEqual(data[0], ev.points.map((p) => Date.parse(p.date + 'T00:00:00Z') / 1000), level + ': the test days');
      assert.deepEqual(data[4], ev.points.map((p) => p.lower), level + ': lower');
      assert.deepEqual(data[5], ev.points.map((p) => p.upper), level + ': upper');
      assert.ok(ev.points.every((p) => p.lower < p.upper && p.sigma > 0), level + ': a band every day');
      const outside = ev.points.filter((p) => p.actual < p.lower || p.actual > p.upper);
      assert.deepEqual(data[6].filter((y) => y != null), outside.map((p) => p.actual), level + ': the misses marked');
      assert.equal(await page.getAttribute('#chart-evaluation', 'data-outside'), String(outside.length));
      const n = ev.points.length, inside = n - outside.length;
      assert.equal(await page.textContent('#evaluation-band-note'), 'The ' + pct + ' % interval held on ' + inside + ' of ' + n +
        ' days (' + fmtShare(inside / n) + '); the ' + outside.length + ' closes outside it are marked in red.');
      // the band is the one the metrics scored (same days: none used by the calibration)
      if (iv.days === n && level !== '0.9') {
        assert.equal(inside, Math.round(iv[level === '0.8' ? 'coverage80' : 'coverage95'] * n),
          level + ': the band holds as often as the metrics say');
      }
      assert.equal(await page.getAttribute('#evaluation-csv', 'href'), '/models/NFLX/2/evaluation?format=csv&level=' + level);
      const s = await chartStats(page);
      assert.ok(s.evaluation.coloured > 200, 'the band and lines are drawn');
      console.log('band ' + pct + ' %: ' + inside + ' of ' + n + ' days inside; v2 coverage80 ' + fmtShare(iv.coverage80) +
        ', coverage95 ' + fmtShare(iv.coverage95));
      if (level === '0.95') await (await page.$('#evaluation-card')).screenshot({ path: path.join(ARTIFACTS, '09-band-95.png') });
    }

    // the interval quality of both versions
    const rows = await checkIntervalTable(page, models);
    console.log('interval table: ' + rows.filter((r) => r.forecaster === 'model').map((r) => 'v' + r.version + ' IS80 ' +
      r.cells.interval_score80.text + ' skill ' + r.cells.interval_skill80.text + ' / ' + r.cells.interval_skill95.text +
      ' winner ' + r.cells.winner.text).join('; '));
    await (await page.$('#intervals-card')).screenshot({ path: path.join(ARTIFACTS, '10-interval-quality.png') });

    // wide and at 390 px: axe, and the new table scrolls in its own box
    assert.deepEqual(await axeProblems(page), [], 'axe at 1400 px');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await settle(page);
    const width = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
      box: document.querySelector('#intervals-table').closest('.table-scroll').getBoundingClientRect().right,
    }));
    assert.ok(width.scroll <= width.client, 'no horizontal overflow at 390 px: ' + JSON.stringify(width));
    assert.ok(width.box <= width.client + 1, 'the interval table scrolls inside its card');
    await (await page.$('#intervals-card')).screenshot({ path: path.join(ARTIFACTS, '11-interval-quality-390.png') });
    assert.deepEqual(await axeProblems(page), [], 'axe at 390 px');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});

// The backtest table against the job's result: one row per fold and one
// overall, RMSE of each forecaster, the skill, the winner.
async function checkBacktestTable(page, result) {
  const rows = await page.$$eval('#backtest-table tbody tr', (trs) => trs.map((tr) => ({
    cells: [...tr.cells].map((td) => td.textContent),
    best: [...tr.cells].findIndex((td) => td.classList.contains('best')),
    winner: tr.dataset.winner,
    skillClass: tr.cells[8].querySelector('span').className,
  })));
  const want = [...result.folds.map((f) => ({ label: String(f.fold), test: f.test, epochs: String(f.epochs_run), met: f.metrics })),
    { label: 'overall', test: result.overall.period, epochs: '', met: result.overall }];
  assert.equal(rows.length, result.folds.length + 1, 'a row per fold and an overall one');
  const names = ['model', 'naive', 'drift', 'sma14'];
  want.forEach((w, i) => {
    const r = rows[i];
    const rmse = names.map((k) => w.met[k].rmse);
    assert.deepEqual(r.cells.slice(0, 8), [w.label, w.test.from + ' … ' + w.test.to, String(w.test.n), w.epochs,
      ...rmse.map((x) => fmt(x, 3))], 'row ' + w.label);
    const s = w.met.skill;
    assert.equal(r.cells[8], fmtPct(s, 2) + ' (' + (s > 0 ? 'beats naive' : s < 0 ? 'worse than naive' : 'ties naive') + ')');
    assert.equal(r.skillClass, s > 0 ? 'good' : s < 0 ? 'bad' : '');
    const best = rmse.indexOf(Math.min(...rmse));
    assert.equal(r.winner, names[best], 'winner of row ' + w.label);
    assert.equal(r.best, 4 + best, 'the lowest RMSE is highlighted');
  });
  return rows;
}

test('backtest from the page: a running one is followed (409) with progress per fold; the results table equals the job result', async () => {
  const srv = await startServer({ train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = [...NO_MODEL, [409, /\/backtest$/], [422, /\/backtest$/]];
    const up = await fetch(srv.base + '/series/NFLX/bars', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: nflx.text });
    assert.equal(up.status, 200);
    await page.goto(srv.base + '/?ticker=NFLX');
    await waitForBars(page, N);
    await settle(page);
    assert.equal(await page.isVisible('#backtest-table'), false);
    assert.match(await page.textContent('#backtest-note'), /No backtest yet/);
    assert.equal(await page.inputValue('#bt-folds'), '5', 'five folds by default');

    // a bad configuration: the server's problem detail is shown
    await page.fill('#bt-folds', '0');
    await page.click('#backtest-button');
    await page.waitForFunction(() => /Backtest: /.test(document.querySelector('#job-status').textContent));
    assert.match(await page.textContent('#job-status'), /Backtest: Unprocessable Content: .*folds.*\(HTTP 422\)/);

    // one started elsewhere (the API): the button's 409 names it, the page follows it
    // long enough (no early stopping) that the click lands while it runs
    // (100 epochs a fold: several seconds, dozens of the page's 250 ms polls, even on a fast runner)
    const other = await postJson(srv.base, '/backtest', { ticker: 'NFLX', folds: 2, epochs: 100, patience: 0 });
    assert.equal(other.status, 202);
    const otherLoc = other.headers.get('location');
    await page.fill('#bt-folds', '5');
    await page.click('#backtest-button');
    await page.waitForFunction(() => /already queued or running; following it/.test(window.fcDash.state.messages.join('\n')));
    await page.waitForFunction(() => /backtest job \d+ \(NFLX\): succeeded/.test(document.querySelector('#job-status').textContent), null, { timeout: 300000 });
    await page.waitForSelector('#backtest-table:not([hidden])');
    const first = await waitJob(srv.base, otherLoc);
    assert.equal(first.state, 'succeeded');
    await checkBacktestTable(page, first.result);
    assert.equal((await page.$$('#backtest-table tbody tr')).length, 3, 'two folds and overall');
    // progress per fold is checked on this long job: a small one can finish between two polls
    const seen = await page.evaluate(() => window.fcDash.state.messages.filter((m) => /: running/.test(m)));
    const folds = new Set(seen.map((m) => (/fold (\d) \/ 2 · epoch \d+ \/ 100/.exec(m) || [])[1]).filter(Boolean));
    console.log('progress seen: ' + [...folds].map((f) => 'fold ' + f + '/2').join(', '));
    assert.ok(folds.size >= 1, 'progress shows fold k / 2 and the epoch: ' + JSON.stringify(seen.slice(0, 5)));

    // a small one from the page's inputs: folds 3, epochs 6, gap 2
    await page.fill('#bt-folds', '3');
    await page.fill('#bt-epochs', '6');
    await page.fill('#bt-gap', '2');
    const t0 = Date.now();
    await page.click('#backtest-button');
    await page.waitForFunction(() => /backtest job \d+ \(NFLX\): succeeded/.test(document.querySelector('#job-status').textContent) &&
      window.fcDash.state.backtest && window.fcDash.state.backtest.result.folds.length === 3, null, { timeout: 300000 });
    console.log('backtest of ' + N + ' bars, 3 folds x 6 epochs: ' + (Date.now() - t0) + ' ms');
    await settle(page);
    const jobs = (await getJson(srv.base, '/jobs?ticker=NFLX&limit=1')).jobs;
    assert.equal(jobs[0].kind, 'backtest');
    assert.deepEqual([jobs[0].params.folds, jobs[0].params.epochs, jobs[0].params.gap], [3, 6, 2], 'the inputs were sent');
    const job = await getJson(srv.base, '/jobs/' + jobs[0].id);
    assert.equal(job.result.gap, 2);
    const rows = await checkBacktestTable(page, job.result);
    console.log('backtest table: ' + rows.map((r) => r.cells[0] + ' ' + r.cells.slice(4, 9).join(' | ') + ' → ' + r.cells[9]).join('; '));
    assert.match(await page.textContent('#backtest-note'), new RegExp('Backtest job ' + job.id + '.*3 folds, gap 2 days'));
    await shot(page, '07-backtest');

    // the last backtest is shown again after a reload
    await page.reload();
    await waitForBars(page, N);
    await page.waitForSelector('#backtest-table:not([hidden])');
    await settle(page);
    await checkBacktestTable(page, job.result);
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});

// axe-core's serious and critical violations on the page as it is.
async function axeProblems(page) {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.impact + ' ' + v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
}

test('accessibility (axe-core) wide and at 390 px; the series table forecasts from one multi-ticker /predict', async () => {
  const srv = await startServer({ train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = NO_MODEL;
    // Two trained series and one without a model, through the API.
    const part = [nflx.header, ...nflx.rows.slice(-600).map((r) => r.join(','))].join('\n') + '\n';
    for (const t of ['AXA', 'AXB', 'AXC']) {
      const r = await fetch(srv.base + '/series/' + t + '/bars', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: part });
      assert.equal(r.status, 200, 'ingest ' + t);
    }
    for (const [t, seed] of [['AXA', 1], ['AXB', 2]]) {
      const r = await postJson(srv.base, '/train', { ticker: t, epochs: 2, layers: [8], window: 10, seed });
      assert.equal(r.status, 202, 'train ' + t);
      assert.equal((await waitJob(srv.base, r.headers.get('location'))).state, 'succeeded');
    }
    const lists = [];
    page.on('request', (req) => {
      const u = new URL(req.url());
      if (u.pathname === '/predict' && (u.searchParams.get('ticker') || '').includes(',')) lists.push(u.searchParams.get('ticker'));
    });
    await page.goto(srv.base + '/');
    await settle(page);
    await page.waitForSelector('#models-table:not([hidden])');
    await settle(page);

    // One request for every trained series; the cells are the API's numbers.
    assert.deepEqual(lists, ['AXA,AXB'], 'one GET /predict?ticker=AXA,AXB');
    const api = await getJson(srv.base, '/predict?ticker=AXA,AXB,AXC');
    assert.deepEqual(api.forecasts.map((f) => f.ticker), ['AXA', 'AXB']);
    assert.deepEqual(api.errors.map((e) => [e.ticker, e.status]), [['AXC', 409]]);
    const rows = await page.$$eval('#series-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    const byTicker = Object.fromEntries(rows.map((r) => [r[0], r]));
    for (const f of api.forecasts) {
      const p = f.predictions[0];
      assert.deepEqual(byTicker[f.ticker].slice(8, 10), [p.close.toFixed(2), p.lower.toFixed(2) + ' – ' + p.upper.toFixed(2)], f.ticker);
    }
    assert.deepEqual(byTicker.AXC.slice(8, 10), ['—', '—'], 'no model, no forecast');

    // axe-core, wide
    assert.deepEqual(await axeProblems(page), [], 'axe at 1400 px');

    // a phone: no horizontal scroll of the page, the header in lines, axe
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await settle(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, '08-phone-390.png') });
    const width = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
      tagline: document.querySelector('header .tagline').getBoundingClientRect().width,
      wide: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 &&
        !e.closest('.table-scroll')).map((e) => e.tagName + (e.id ? '#' + e.id : '')).slice(0, 10),
    }));
    console.log('390 px: page ' + width.scroll + ' px wide, tagline ' + Math.round(width.tagline) + ' px');
    assert.equal(width.client, 390);
    assert.ok(width.scroll <= width.client, 'no horizontal overflow at 390 px: ' + JSON.stringify(width));
    assert.deepEqual(width.wide, [], 'nothing but the scroll boxes of tables is wider than the screen');
    assert.ok(width.tagline > 300, 'the tagline takes a line of its own, not a column of words');
    assert.deepEqual(await axeProblems(page), [], 'axe at 390 px');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});
