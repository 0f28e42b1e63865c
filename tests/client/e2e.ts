// e2e.ts: forecastd end to end through a client generated from the
// server's own /openapi.json: openapi-typescript turns the description into
// generated/api.d.ts (the `paths` type), openapi-fetch is the runtime, and
// tsc type-checks every call below against the description before it runs.
// A change to the API that this client's calls no longer fit fails the
// compile; one whose replies no longer fit these assertions fails the run.
//
// Run by scripts/test-client, which starts the server and sets FC_BASE
// (http://127.0.0.1:PORT) and FC_SOURCE_DIR (the repository root, for data/).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api";

type Bar = components["schemas"]["Bar"];
type Prediction = components["schemas"]["Prediction"];

const base = process.env.FC_BASE;
const root = process.env.FC_SOURCE_DIR;
if (!base || !root) throw new Error("FC_BASE and FC_SOURCE_DIR must be set");
const client = createClient<paths>({ baseUrl: base });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The last n bars of data/NFLX.csv (Date,Open,High,Low,Close,Adj Close,Volume).
function nflxBars(n: number): Bar[] {
    const lines = fs.readFileSync(path.join(root!, "data", "NFLX.csv"), "utf8").trim().split("\n");
    return lines.slice(1).slice(-n).map((line) => {
        const c = line.split(",");
        const num = (i: number) => Number(c[i]);
        return { date: c[0] ?? "", open: num(1), high: num(2), low: num(3), close: num(4),
                 adj_close: num(5), volume: num(6) };
    });
}

async function main(): Promise<void> {
    const health = await client.GET("/healthz");
    assert.equal(health.data?.status, "ok");

    // ingest
    const bars = nflxBars(400);
    const ing = await client.POST("/series/{ticker}/bars", {
        params: { path: { ticker: "CLI" } },
        body: { bars },
    });
    assert.equal(ing.response.status, 200, JSON.stringify(ing.error));
    assert.equal(ing.data?.inserted, 400);
    assert.equal(ing.data?.last_date, bars[bars.length - 1]?.date);

    // train: a small model
    const train = await client.POST("/train", {
        body: { ticker: "CLI", epochs: 2, layers: [8], window: 10, seed: 3 },
    });
    assert.equal(train.response.status, 202, JSON.stringify(train.error));
    // 202 is a job, or {jobs, skipped} when no ticker was named
    const queued = train.data;
    assert.ok(queued && "id" in queued, JSON.stringify(queued));
    const id = queued.id;

    // wait for it
    let state = "";
    for (let i = 0; i < 6000; i++) {
        const job = await client.GET("/jobs/{id}", { params: { path: { id } } });
        assert.equal(job.response.status, 200);
        state = job.data?.state ?? "";
        if (state === "succeeded" || state === "failed" || state === "cancelled") break;
        await sleep(100);
    }
    assert.equal(state, "succeeded");

    // predict: one ticker is a Prediction
    const one = await client.GET("/predict", {
        params: { query: { ticker: "CLI", horizon: 3, level: 0.8 } },
    });
    assert.equal(one.response.status, 200, JSON.stringify(one.error));
    const p = one.data as Prediction;
    assert.equal(p.ticker, "CLI");
    assert.equal(p.as_of, bars[bars.length - 1]?.date);
    assert.equal(p.predictions.length, 3);
    for (const s of p.predictions) {
        const [lo, x, hi] = [s.lower, s.close, s.upper];
        assert.ok(lo !== null && x !== null && hi !== null, "finite interval");
        assert.ok(lo <= x && x <= hi, "close within its interval");
    }

    // predict: a list is a PredictionList with the same forecast
    const many = await client.GET("/predict", {
        params: { query: { ticker: "CLI,NOSUCH", horizon: 3, level: 0.8 } },
    });
    assert.equal(many.response.status, 200);
    const list = many.data;
    assert.ok(list && "forecasts" in list);
    assert.deepEqual(list.forecasts, [p]);
    assert.deepEqual(list.errors.map((e) => [e.ticker, e.status]), [["NOSUCH", 404]]);

    // an error is a typed problem
    const bad = await client.GET("/predict", { params: { query: { ticker: "CLI", horizon: 99 } } });
    assert.equal(bad.response.status, 422);
    assert.match(bad.error?.detail ?? "", /horizon/);

    console.log("client e2e: ingested %d bars, job %d %s, predicted %s: next close %s [%s, %s]",
                bars.length, id, state, p.ticker, p.predictions[0]?.close,
                p.predictions[0]?.lower, p.predictions[0]?.upper);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
