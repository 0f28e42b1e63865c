// Browser tests of the dashboard (web/): headless Debian Chromium driven by
// playwright-core, against the real forecastd started here on a free port
// (port 0: the server picks one and logs it) with a temporary database.
//
//   cd tests/browser && npm ci && npm test
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
  // Answers the page expects and shows as messages (endpoints not built yet,
  // no model yet, a refused upload, a missing key) are logged by Chromium as
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

// API answers that mean "not there yet" (later issues, or no model yet).
const LATER = [[404, /\/(predict|anomalies|models|train|backtest|jobs)\b/], [409, /\/(predict|anomalies)\b/]];

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
    page.allowed = LATER;
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
    assert.match(forecast, /No trained model for NFLX yet|not available on this server yet/);
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
    page.allowed = [...LATER, [422, /\/series\/BAD\/bars/]];
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

test('train a model from the page and see its forecast next to the naive one', async (t) => {
  const srv = await startServer({ train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = LATER;
    const probe = await fetch(srv.base + '/train', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"ticker":"NOPE"}' });
    const probeBody = await probe.text();
    if (probe.status === 404 && /no resource at this path/.test(probeBody)) {
      console.log('SKIP train/predict: POST /train answers 404 (not built on this server yet)');
      t.skip('POST /train answers 404 (not built on this server yet)');
      return;
    }
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
    if (s.evaluation) {
      console.log('evaluation chart: ' + s.evaluation.x + ' test days');
      assert.equal(s.evaluation.values[0], s.evaluation.x);
    } else {
      console.log('evaluation: ' + await page.textContent('#evaluation-note'));
    }
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

test('the automatic first training (train_on_first_ingest) is followed by the page without a click', async (t) => {
  const srv = await startServer({ train_on_first_ingest: true });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = LATER;
    const probe = await fetch(srv.base + '/jobs');
    if (probe.status === 404) {
      console.log('SKIP automatic training: GET /jobs answers 404 (not built on this server yet)');
      t.skip('GET /jobs answers 404 (not built on this server yet)');
      return;
    }
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
    page.allowed = [...LATER, [401, /\/series\/KEYED\/bars/]];
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
    // training (a POST too) goes through with the kept key, when /train exists
    if ((await fetch(srv.base + '/train', { method: 'POST' })).status !== 404) {
      await page.click('#train-button');
      await page.waitForFunction(() => /: (succeeded|failed)/.test(document.querySelector('#job-status').textContent), null, { timeout: 600000 });
      assert.match(await page.textContent('#job-status'), /succeeded/);
    }
    const count401 = (re) => srv.log.filter((l) => /status=401/.test(l) && re.test(l)).length;
    const unauth = count401(/path="\/series\//);
    console.log('401 answers to the page: ' + unauth);
    assert.equal(unauth, 1, 'one 401 (the first upload), then the key is sent');
    assert.ok(count401(/path="\/train"/) <= 1, 'the page sent the key with POST /train (only the key-less probe got 401)');
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
    page.allowed = [...LATER, [429, /./]];
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
    page.allowed = LATER;
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
    const probe = await fetch(srv.base + '/train', { method: 'POST', headers: { Authorization: 'Bearer ' + KEY,
      'Content-Type': 'application/json' }, body: '{"ticker":"NOSUCHTICKER"}' });
    if (!/no resource at this path/.test(await probe.text())) {   // an unknown ticker, not an unknown path
      await page.click('#train-button');
      await page.waitForFunction(() => /: (succeeded|failed)/.test(document.querySelector('#job-status').textContent), null, { timeout: 600000 });
      assert.match(await page.textContent('#job-status'), /succeeded/);
      await page.waitForSelector('#forecast-table tbody tr', { timeout: 60000 });
      await settle(page);
      assert.ok(srv.log.some((l) => /method=OPTIONS path="\/train" status=204/.test(l)), 'a preflight for POST /train');
      console.log('CORS: trained and predicted from ' + other.base);
    }
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

// The panels whose endpoints come in later issues, against answers shaped as
// in the contract (DESIGN.md), served by page.route(): a check of the page's
// side of the contract while the server side is being built. The series and
// bars are the real server's.
test('contract-shaped answers (page.route): training progress, forecast band, evaluation, anomalies, versions and promote', async () => {
  const srv = await startServer({ train_on_first_ingest: false });
  const b = await openBrowser();
  try {
    const { page, problems } = b;
    page.allowed = LATER;
    const T = 'MOCK';
    const rows = nflx.rows.slice(-600);
    const dates = rows.map((r) => r[0]);
    const closes = rows.map((r) => +r[4]);
    const up = await fetch(srv.base + '/series/' + T + '/bars', { method: 'POST', headers: { 'Content-Type': 'text/csv' },
      body: [nflx.header, ...rows.map((r) => r.join(','))].join('\n') + '\n' });
    assert.equal(up.status, 200);

    const sim = { trained: false, champion: 2, polls: 0, promoted: [] };
    const metrics = (rmse) => ({ period: { from: dates[480], to: dates[599], n: 120 },
      model: { rmse, mae: rmse * 0.75, mape: 0.015, smape: 0.015, mase: 1.01, directional_accuracy: 0.52 },
      naive: { rmse: 10.0, mae: 7.5, mape: 0.015, smape: 0.015, mase: 1.0, directional_accuracy: 0 },
      skill: 1 - rmse / 10.0 });
    const model = (v) => ({ ticker: T, version: v, created_at: '2026-11-27T09:0' + v + ':00Z', champion: v === sim.champion,
      params: { preset: 'default' }, data: { first_date: dates[0], last_date: dates[599], bars: 600, sha256: 'ab' },
      metrics: metrics(v === 2 ? 9.9 : 10.3), epochs_run: 5, train_seconds: 1.5 });
    const json = (route, status, body, headers) => route.fulfill({ status, headers: Object.assign({ 'Content-Type': 'application/json' }, headers),
      body: JSON.stringify(body) });
    const job = () => {
      const epoch = Math.min(5, sim.polls);
      const done = sim.polls > 5;
      if (done) sim.trained = true;
      return { id: 7, kind: 'train', ticker: T, state: done ? 'succeeded' : sim.polls === 0 ? 'queued' : 'running',
        created_at: '2026-11-27T09:00:00Z', params: {}, model_version: done ? 2 : null, error: null,
        progress: { epoch, epochs: 5, train_loss: 1 / (1 + epoch), val_loss: 1.2 / (1 + epoch), best_epoch: epoch, eta_seconds: 5 - epoch } };
    };
    await page.route((url) => url.pathname === '/series', async (route) => {
      const real = await route.fetch();
      const body = await real.json();
      for (const s of body.series) if (s.ticker === T && sim.trained) s.champion_version = sim.champion;
      await json(route, 200, body);
    });
    await page.route((url) => url.pathname === '/train', (route) => {
      assert.deepEqual(JSON.parse(route.request().postData()), { ticker: T });
      return json(route, 202, job(), { Location: '/jobs/7' });
    });
    await page.route((url) => url.pathname === '/jobs', (route) => json(route, 200, { jobs: [] }));
    await page.route((url) => url.pathname === '/jobs/7', (route) => { const j = job(); sim.polls++; return json(route, 200, j); });
    await page.route((url) => url.pathname === '/models', (route) => json(route, 200, { models: sim.trained ? [model(2), model(1)] : [] }));
    await page.route((url) => /^\/models\/MOCK\/\d+\/promote$/.test(url.pathname), (route) => {
      sim.champion = +route.request().url().split('/').slice(-2)[0];
      sim.promoted.push(sim.champion);
      return json(route, 200, model(sim.champion));
    });
    await page.route((url) => /^\/models\/MOCK\/\d+\/evaluation$/.test(url.pathname), (route) => json(route, 200, {
      points: dates.slice(480).map((d, i) => ({ date: d, actual: closes[480 + i], predicted: closes[479 + i] * 1.001, naive: closes[479 + i] })) }));
    await page.route((url) => url.pathname === '/predict', (route) => {
      if (!sim.trained) return json(route, 409, { type: 'about:blank', title: 'Conflict', status: 409, detail: 'no trained model for MOCK yet: POST /train' });
      const last = closes[599];
      return json(route, 200, { ticker: T, as_of: dates[599], last_close: last, model_version: sim.champion, level: 0.9,
        predictions: Array.from({ length: 10 }, (_, i) => ({ date: '2024-06-' + String(10 + i).padStart(2, '0'),
          close: last * (1 + 0.001 * (i + 1)), lower: last * (1 - 0.01 * Math.sqrt(i + 1)), upper: last * (1 + 0.012 * Math.sqrt(i + 1)) })),
        metrics: metrics(sim.champion === 2 ? 9.9 : 10.3) });
    });
    await page.route((url) => url.pathname === '/anomalies', (route) => {
      if (!sim.trained) return json(route, 409, { type: 'about:blank', title: 'Conflict', status: 409, detail: 'no model' });
      return json(route, 200, { ticker: T, model_version: sim.champion, threshold: 3,
        anomalies: [100, 300, 550].map((i) => ({ date: dates[i], actual: closes[i], predicted: closes[i - 1], residual: 0.1, z: 4.2 })) });
    });

    await page.goto(srv.base + '/?ticker=' + T);
    await settle(page);
    await waitForBars(page, 600);
    assert.match(await page.textContent('#forecast-card'), /No trained model for MOCK yet/);
    await page.click('#forecast-card button.primary');
    await page.waitForFunction(() => /succeeded/.test(document.querySelector('#job-status').textContent), null, { timeout: 30000 });
    await page.waitForSelector('#forecast-table tbody tr');
    await page.waitForFunction(() => window.fcDash.charts.evaluation && window.fcDash.busy === 0);
    await settle(page);
    const s = await chartStats(page);
    assert.equal(s.loss.x, 5, 'one loss point per epoch');
    assert.equal(s.forecast.values[1], 11, 'forecast: the last close and ten sessions');
    assert.equal(s.forecast.values[2], 11, 'lower band');
    assert.ok(s.forecast.coloured > 200, 'the band and lines are drawn');
    assert.equal(s.evaluation.x, 120);
    assert.deepEqual(s.evaluation.values, [120, 120, 120], 'actual, predicted and naive');
    assert.equal(s.price.values[2], 3, 'three anomalies marked on the price chart');
    assert.match(await page.textContent('#anomaly-note'), /3 anomalies marked/);
    const card = await page.textContent('#forecast-card');
    assert.match(card, /Model RMSE \(test\)9\.900/);
    assert.match(card, /Naive RMSE \(tomorrow = today\)10\.000/);
    assert.match(card, /Skill vs naive\+1\.00 % \(beats naive\)/);
    let row = await page.$$eval('#series-table tbody tr[data-ticker="MOCK"] td', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(row.slice(4), ['v2', '9.900', '10.000', '+1.00 % (beats naive)']);
    await shot(page, '06-contract-trained');
    // promote the older version: the list and the card follow
    const buttons = await page.$$('#models-table tbody button');
    assert.equal(buttons.length, 1, 'one promote button (the champion has none)');
    await buttons[0].click();
    await page.waitForFunction(() => /v1/.test(document.querySelector('#series-table tbody tr[data-ticker="MOCK"]').cells[4].textContent));
    await settle(page);
    row = await page.$$eval('#series-table tbody tr[data-ticker="MOCK"] td', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(row.slice(4), ['v1', '10.300', '10.000', '-3.00 % (worse than naive)']);
    assert.deepEqual(sim.promoted, [1]);
    // backtest: not built on the real server, said so
    await page.click('#backtest-button');
    await page.waitForFunction(() => /Backtests are not available/.test(document.querySelector('#job-status').textContent));
    await shot(page, '07-contract-promoted');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
    await srv.stop();
  }
});
