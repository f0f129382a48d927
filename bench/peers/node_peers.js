'use strict';
// Node.js worker_threads peer benchmarks for Islet (Node 18+, no dependencies).
//
// Prints one JSON line per benchmark:
//   {"bench": "NAME", "unit": "UNIT", "value": V, "runs": 5}
// where V is the median over REPS repetitions, after a warm-up.
//
//   node_worker_pingpong         ns per postMessage round trip, main thread <-> one Worker
//   node_worker_spawn_roundtrip  us per sequential "spawn a Worker, get one message, exit"
//   node_await_step              ns per `await` of an already resolved promise in an async
//                                function looping 1,000,000 times (Islet's await_step peer)
//   node_stream_to_list_1m       ns per element: 1,000,000 ints from an async generator
//                                through async-generator map and where stages into an
//                                array with `for await` (Islet's stream_to_list_1m peer)
//   node_async_star_yield        ns per value an `async function*` yields to a `for await`
//                                loop, 1,000,000 values (Islet's async_star_yield peer)
//
// Usage: node bench/peers/node_peers.js

const { Worker } = require('worker_threads');

const REPS = 5;
const PINGPONG_ROUNDS = 20000;
const PINGPONG_WARMUP = 2000;
const SPAWN_ROUNDS = 50;
const SPAWN_WARMUP = 5;
const AWAIT_STEPS = 1000000;
const STREAM_N = 1000000;
const YIELD_N = 1000000;

const ECHO_SRC = `
const { parentPort } = require('worker_threads');
parentPort.on('message', (n) => {
    if (n < 0) parentPort.close();
    else parentPort.postMessage(n + 1);
});
`;

const ONESHOT_SRC = `
const { parentPort } = require('worker_threads');
parentPort.postMessage(6 * 7);
`;

function nowNs() {
    return process.hrtime.bigint();
}

function median(values) {
    const v = [...values].sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function report(bench, unit, samples) {
    const value = Math.round(median(samples) * 1000) / 1000;
    const line = `{"bench": ${JSON.stringify(bench)}, "unit": ${JSON.stringify(unit)}, ` +
        `"value": ${value}, "runs": ${samples.length}}`;
    process.stdout.write(line + '\n');
}

// Ping-pong `rounds` round trips with an already running echo worker; resolves to total ns.
function pingpong(worker, rounds) {
    return new Promise((resolve, reject) => {
        let left = rounds;
        const onError = (err) => {
            worker.off('message', onMessage);
            reject(err);
        };
        const onMessage = (n) => {
            if (--left > 0) {
                worker.postMessage(n);
                return;
            }
            const t1 = nowNs();
            worker.off('message', onMessage);
            worker.off('error', onError);
            resolve(Number(t1 - t0));
        };
        worker.on('message', onMessage);
        worker.once('error', onError);
        const t0 = nowNs();
        worker.postMessage(0);
    });
}

async function benchPingpong() {
    const worker = new Worker(ECHO_SRC, { eval: true });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await pingpong(worker, PINGPONG_WARMUP);
    const samples = [];
    for (let r = 0; r < REPS; r++) {
        samples.push((await pingpong(worker, PINGPONG_ROUNDS)) / PINGPONG_ROUNDS);
    }
    worker.postMessage(-1);
    await exited;
    report('node_worker_pingpong', 'ns', samples);
}

// One spawn round trip: create the worker, wait for its message and its 'exit' event.
function spawnOnce() {
    return new Promise((resolve, reject) => {
        const worker = new Worker(ONESHOT_SRC, { eval: true });
        let got = false;
        worker.once('message', (v) => {
            if (v === 42) got = true;
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
            if (!got) reject(new Error(`worker exited (code ${code}) without its message`));
            else resolve();
        });
    });
}

async function spawnRounds(rounds) {
    const t0 = nowNs();
    for (let i = 0; i < rounds; i++) await spawnOnce();
    return Number(nowNs() - t0);
}

async function benchSpawn() {
    await spawnRounds(SPAWN_WARMUP);
    const samples = [];
    for (let r = 0; r < REPS; r++) {
        samples.push((await spawnRounds(SPAWN_ROUNDS)) / SPAWN_ROUNDS / 1000);
    }
    report('node_worker_spawn_roundtrip', 'us', samples);
}

// An async function awaiting an already resolved promise `steps` times; resolves to total ns
// (from the call to its completion). Each await of a resolved native promise resumes in one
// microtask, like Islet's RT_AWAIT of a completed future.
async function awaitLoop(steps) {
    const resolved = Promise.resolve(null);
    const t0 = nowNs();
    let n = 0;
    for (let i = 0; i < steps; i++) {
        if ((await resolved) === null) n++;
    }
    const t1 = nowNs();
    if (n !== steps) throw new Error(`await loop ran ${n}/${steps} steps`);
    return Number(t1 - t0);
}

async function benchAwaitStep() {
    await awaitLoop(AWAIT_STEPS);
    const samples = [];
    for (let r = 0; r < REPS; r++) {
        samples.push((await awaitLoop(AWAIT_STEPS)) / AWAIT_STEPS);
    }
    report('node_await_step', 'ns', samples);
}

// Stream.fromIterable(list).map(x => x * 2).where(x => x % 3 != 0).toList(), written with
// Node's async generators (its language-level streams).
async function* fromList(list) {
    for (const x of list) yield x;
}
async function* mapStage(src, f) {
    for await (const x of src) yield f(x);
}
async function* whereStage(src, f) {
    for await (const x of src) if (f(x)) yield x;
}
async function streamToList(list) {
    const t0 = nowNs();
    const out = [];
    for await (const x of whereStage(mapStage(fromList(list), (x) => x * 2), (x) => x % 3 !== 0)) {
        out.push(x);
    }
    const t1 = nowNs();
    const expect = list.length - Math.floor((list.length + 2) / 3);
    if (out.length !== expect) throw new Error(`to_list got ${out.length}/${expect}`);
    return Number(t1 - t0);
}

async function benchStreamToList() {
    const list = Array.from({ length: STREAM_N }, (_, i) => i);
    await streamToList(list);
    const samples = [];
    for (let r = 0; r < REPS; r++) samples.push((await streamToList(list)) / STREAM_N);
    report('node_stream_to_list_1m', 'ns', samples);
}

async function* counter(n) {
    for (let i = 0; i < n; i++) yield i;
}
async function yieldLoop(n) {
    const t0 = nowNs();
    let sum = 0;
    for await (const x of counter(n)) sum += x;
    const t1 = nowNs();
    if (sum !== (n * (n - 1)) / 2) throw new Error('async* sum is wrong');
    return Number(t1 - t0);
}

async function benchAsyncStarYield() {
    await yieldLoop(YIELD_N);
    const samples = [];
    for (let r = 0; r < REPS; r++) samples.push((await yieldLoop(YIELD_N)) / YIELD_N);
    report('node_async_star_yield', 'ns', samples);
}

async function main() {
    await benchPingpong();
    await benchSpawn();
    await benchAwaitStep();
    await benchStreamToList();
    await benchAsyncStarYield();
}

main().catch((err) => {
    process.stderr.write(`node_peers: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
});
