// Command-line flags of `npm run bench` (bench/run.mjs) and their help text.
import { parseArgs } from 'node:util';

export const SCENARIOS = ['direct', 'nginx', 'node-http', 'undici', 'trellis', 'trellis-mtls'];

export const usage = `usage: npm run bench -- [flags]      (or: node bench/run.mjs [flags])

End-to-end load benchmark on 127.0.0.1: the same load against
  direct     the upstream (nginx, fixed 1 kB body) with no proxy
  nginx      an nginx proxy pair        (load → nginx → nginx → upstream)
  node-http  a Node.js peer pair: node:http server + http.request on a keep-alive Agent
  undici     a Node.js peer pair: node:http server + undici Pool
  trellis    a Trellis proxy pair       (load → trellis proxy → trellis proxy → upstream;
             needs \`npm run build\`; reported as "unavailable: <reason>" when it cannot start)
  trellis-mtls the Trellis pair with mutual TLS between the two proxies (SPIFFE certificates
             made with openssl), for the cost of mTLS against the plaintext pair

flags:
  --duration S     seconds of each measured run, closed and open loop (default 10)
  --rounds N       interleaved rounds; medians are reported (default 3)
  --warmup S       closed-loop warm-up per scenario before the rounds (default 5;
                   Node.js proxies need a few seconds of load before their JIT settles)
  --only LIST      comma-separated scenarios to run (direct is always added as the baseline),
                   e.g. --only trellis or --only nginx,trellis
  --connections N  wrk connections for the closed loop (default 64; one wrk thread)
  --rate R         open-loop request rate in req/s (default 1000)
  --generator G    open-loop generator: native (bench/native/open-loop.c, built with cc) or node
                   (bench/open-loop.mjs); default: native when it builds, else node with a notice
  --access-log     turn on per-request file access logs in the Trellis and nginx proxies (default off)
  --profile        start the Trellis proxies with --cpu-prof; profiles go to bench/results/prof/
  --node-flags F   extra Node.js flags for the Trellis proxies, after the ones 'trellis up' gives every
                   proxy (src/runtime/self.ts), so they win, e.g. "--max-semi-space-size=16"
  --keep-temp      keep the temp dir with configs and proxy logs (default: removed at the end)
  --json-only      print only the JSON result path, no table
  -h, --help       this text

Output: a markdown table on stdout and bench/results/<timestamp>.json.
Installs nginx and wrk with apt-get when missing and run as root.`;

/** Parses argv into the benchmark's options; exits with the usage text on --help or a bad flag. */
export function parseBenchArgs(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string', default: '10' },
        rounds: { type: 'string', default: '3' },
        warmup: { type: 'string', default: '5' },
        only: { type: 'string' },
        connections: { type: 'string', default: '64' },
        rate: { type: 'string', default: '1000' },
        generator: { type: 'string', default: 'auto' },
        'access-log': { type: 'boolean', default: false },
        profile: { type: 'boolean', default: false },
        'node-flags': { type: 'string', default: '' },
        'keep-temp': { type: 'boolean', default: false },
        'json-only': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n\n${usage}\n`);
    process.exit(2);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const positive = (name, text) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) {
      process.stderr.write(`bench: --${name} must be a positive number, got ${text}\n`);
      process.exit(2);
    }
    return n;
  };
  if (!['auto', 'native', 'node'].includes(v.generator)) {
    process.stderr.write(`bench: --generator must be native or node, got ${v.generator}\n`);
    process.exit(2);
  }
  let scenarios = SCENARIOS;
  if (v.only) {
    const wanted = v.only.split(',').map((s) => s.trim());
    const unknown = wanted.filter((s) => !SCENARIOS.includes(s));
    if (unknown.length > 0) {
      process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}\n`);
      process.exit(2);
    }
    scenarios = SCENARIOS.filter((s) => s === 'direct' || wanted.includes(s));
  }
  return {
    durationS: positive('duration', v.duration),
    rounds: Math.round(positive('rounds', v.rounds)),
    warmupS: Number(v.warmup) >= 0 ? Number(v.warmup) : 5,
    connections: Math.round(positive('connections', v.connections)),
    rate: positive('rate', v.rate),
    generator: v.generator,
    scenarios,
    accessLog: v['access-log'],
    profile: v.profile,
    nodeFlags: v['node-flags'].split(/\s+/).filter(Boolean),
    keepTemp: v['keep-temp'],
    jsonOnly: v['json-only'],
  };
}
