// ONNX Runtime (CPU execution provider) benchmark with the same scenarios and report fields as
// `lacuna benchmark`, so that `lacuna benchmark --engine onnxruntime` and `lacuna compare` can
// measure both engines on the same model, batch and threads.
//
//   node ort_bench.js MODEL [--batch N] [--input-shapes name=1x3x224x224,...] [--threads N]
//        [--scenario sync|async] [--streams N] [--time S] [--warmup S] [--json OUT]
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const a = {batch: 1, shapes: {}, threads: 0, scenario: 'sync', streams: 0, time: 10, warmup: 2, json: ''};
  a.model = argv[0];
  for (let i = 1; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    switch (k) {
      case '--batch': a.batch = parseInt(v); i++; break;
      case '--input-shapes':
        for (const part of v.split(/[;,](?![^\[]*\])/)) {
          if (!part) continue;
          const [name, dims] = part.split('=');
          a.shapes[name] = dims.replace(/[\[\]]/g, '').split(/[x,]/).filter(s => s.length).map(Number);
        }
        i++; break;
      case '--threads': a.threads = parseInt(v); i++; break;
      case '--scenario': a.scenario = v; i++; break;
      case '--streams': a.streams = parseInt(v); i++; break;
      case '--time': a.time = parseFloat(v); i++; break;
      case '--warmup': a.warmup = parseFloat(v); i++; break;
      case '--json': a.json = v; i++; break;
      default: throw new Error('unknown option ' + k);
    }
  }
  if (!a.model) throw new Error('usage: ort_bench.js MODEL [options]');
  return a;
}

// Same input generation rule as Lacuna: floats uniform in [-1, 1]; integer ids in [0, 1000),
// except masks and token types, which are all ones.
function makeInput(name, type, dims) {
  const n = dims.reduce((x, y) => x * y, 1);
  const mask = name.includes('mask') || name.includes('type');
  let seed = 1234 + name.length;
  const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  switch (type) {
    case 'float32': return new ort.Tensor('float32', Float32Array.from({length: n}, () => rand() * 2 - 1), dims);
    case 'int64': return new ort.Tensor('int64', BigInt64Array.from({length: n}, () => BigInt(mask ? 1 : Math.floor(rand() * 1000))), dims);
    case 'int32': return new ort.Tensor('int32', Int32Array.from({length: n}, () => mask ? 1 : Math.floor(rand() * 1000)), dims);
    case 'uint8': return new ort.Tensor('uint8', Uint8Array.from({length: n}, () => Math.floor(rand() * 255)), dims);
    case 'bool': return new ort.Tensor('bool', Uint8Array.from({length: n}, () => 1), dims);
    default: throw new Error('unsupported input type ' + type + ' for ' + name);
  }
}

function stats(ms) {
  ms.sort((x, y) => x - y);
  const pct = p => {
    const pos = p / 100 * (ms.length - 1), lo = Math.floor(pos), hi = Math.min(lo + 1, ms.length - 1);
    return ms[lo] + (ms[hi] - ms[lo]) * (pos - lo);
  };
  const mean = ms.reduce((x, y) => x + y, 0) / ms.length;
  const std = Math.sqrt(ms.reduce((x, y) => x + (y - mean) ** 2, 0) / ms.length);
  return {mean, median: pct(50), std, p90: pct(90), p95: pct(95), p99: pct(99), 'p99.9': pct(99.9),
          min: ms[0], max: ms[ms.length - 1]};
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const cores = a.threads > 0 ? a.threads : require('os').cpus().length;
  const streams = a.scenario === 'async' ? (a.streams > 0 ? a.streams : cores) : 1;
  const opts = {executionProviders: ['cpu'], graphOptimizationLevel: 'all',
                intraOpNumThreads: Math.max(1, Math.floor(cores / streams)), interOpNumThreads: 1,
                executionMode: 'sequential'};
  const t0 = process.hrtime.bigint();
  const sessions = [];
  for (let s = 0; s < streams; s++) sessions.push(await ort.InferenceSession.create(a.model, opts));
  const compileSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const sess = sessions[0];
  const feeds = {};
  const shapes = {};
  const meta = sess.inputMetadata || [];
  for (let i = 0; i < sess.inputNames.length; i++) {
    const name = sess.inputNames[i];
    const m = meta[i] || {};
    let dims = a.shapes[name];
    if (!dims) {
      if (!m.shape) throw new Error('no shape known for input ' + name + '; pass --input-shapes');
      dims = m.shape.map((d, k) => k === 0 ? a.batch : (typeof d === 'number' && d >= 0 ? d : NaN));
      if (dims.some(Number.isNaN)) throw new Error('input ' + name + ' has symbolic dims; pass --input-shapes');
    }
    shapes[name] = dims;
    feeds[name] = makeInput(name, m.type || 'float32', dims);
  }
  const lat = [];
  let failed = null;
  async function stream(s) {
    const end0 = Date.now() + a.warmup * 1000;
    while (Date.now() < end0) await sessions[s].run(feeds);
    const end = Date.now() + a.time * 1000;
    while (Date.now() < end || lat.length === 0) {
      const t = process.hrtime.bigint();
      await sessions[s].run(feeds);
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const tr = process.hrtime.bigint();
  await Promise.all(sessions.map((_, s) => stream(s).catch(e => { failed = e; })));
  if (failed) throw failed;
  const secondsRan = Number(process.hrtime.bigint() - tr) / 1e9 - a.warmup;
  const batch = Object.values(shapes)[0][0];
  const r = {
    engine: 'onnxruntime', version: require('onnxruntime-node/package.json').version,
    model: a.model, batch_size: batch, input_shapes: shapes, num_cores: cores, scenario: a.scenario,
    num_streams: streams, items_per_sec: lat.length * batch / secondsRan, iterations: lat.length,
    seconds_ran: secondsRan, compile_seconds: compileSeconds, latency_ms: stats(lat),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  if (a.json) fs.writeFileSync(a.json, JSON.stringify(r, null, 2) + '\n');
  const L = r.latency_ms;
  console.log(`engine:        onnxruntime ${r.version}`);
  console.log(`model:         ${r.model}`);
  console.log(`batch size:    ${r.batch_size}`);
  console.log(`scenario:      ${r.scenario}, ${r.num_cores} core(s), ${r.num_streams} stream(s)`);
  console.log(`throughput:    ${r.items_per_sec.toFixed(2)} items/sec`);
  console.log(`iterations:    ${r.iterations} in ${r.seconds_ran.toFixed(2)} s`);
  console.log(`latency (ms/batch): mean ${L.mean.toFixed(3)}  median ${L.median.toFixed(3)}  std ${L.std.toFixed(3)}  p90 ${L.p90.toFixed(3)}  p95 ${L.p95.toFixed(3)}  p99 ${L.p99.toFixed(3)}  p99.9 ${L['p99.9'].toFixed(3)}`);
  console.log(`peak RSS:      ${r.peak_rss_mb.toFixed(1)} MB`);
}

main().catch(e => { console.error('ort_bench: error: ' + e.message); process.exit(1); });
