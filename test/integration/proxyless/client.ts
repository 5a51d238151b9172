// A proxyless gRPC client for tests, run as its own process (grpc-js-xds's xDS client is process-global):
// registers the xds: resolver, opens a channel to the target in argv[2] (e.g. xds:///reviews.default:9080)
// configured by GRPC_XDS_BOOTSTRAP_CONFIG (or to a command's own `target`, one channel per target), then
// answers JSON-line commands on stdin with JSON lines on stdout:
//   {"id": 1, "calls": 400, "metadata": {"x-canary": "true"}, "deadlineMs": 2000, "uniqueKey": "x-request-key"}
//   → {"id": 1, "versions": {"v1": 320, "v2": 80}, "errors": {"UNAVAILABLE": 3}, "ms": 812}
// Every call is the unary method /test.Version/Get with raw bytes: the reply is the server's version.
// With TEST_XDS_CREDENTIALS=1 the channel uses xDS credentials (TLS as the control plane's cluster says, plain
// text otherwise).
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';

const METHOD = '/test.Version/Get';

interface Command {
  id: number;
  calls: number;
  metadata?: Record<string, string>;
  deadlineMs?: number;
  /** A metadata key that gets a fresh random value per call (servers count attempts by it). */
  uniqueKey?: string;
  /** Calls in flight at once (default 16). */
  concurrency?: number;
  /** Another xds: target than argv[2]. */
  target?: string;
}

const identity = (b: Buffer) => b;

xds.register();
const defaultTarget = process.argv[2];
if (!defaultTarget) throw new Error('usage: client.ts <xds:///host:port>');
const clients = new Map<string, grpc.Client>();

function clientFor(target: string): grpc.Client {
  let c = clients.get(target);
  if (!c) {
    const insecure = grpc.credentials.createInsecure();
    const creds =
      process.env.TEST_XDS_CREDENTIALS === '1' ? new xds.XdsChannelCredentials(insecure) : insecure;
    c = new grpc.Client(target, creds);
    clients.set(target, c);
  }
  return c;
}

function call(cmd: Command): Promise<{ version?: string; code?: string }> {
  const client = clientFor(cmd.target ?? defaultTarget);
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(cmd.metadata ?? {})) md.set(k, v);
  if (cmd.uniqueKey) md.set(cmd.uniqueKey, randomUUID());
  const deadline = Date.now() + (cmd.deadlineMs ?? 5000);
  return new Promise((resolve) => {
    client.makeUnaryRequest(METHOD, identity, identity, Buffer.alloc(0), md, { deadline }, (err, reply) => {
      if (err) resolve({ code: grpc.status[err.code] ?? String(err.code) });
      else resolve({ version: reply?.toString('utf8') ?? '' });
    });
  });
}

async function run(cmd: Command): Promise<void> {
  const versions: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const start = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < cmd.calls) {
      next++;
      const r = await call(cmd);
      if (r.version !== undefined) versions[r.version] = (versions[r.version] ?? 0) + 1;
      else if (r.code !== undefined) errors[r.code] = (errors[r.code] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency ?? 16, cmd.calls) }, worker));
  process.stdout.write(`${JSON.stringify({ id: cmd.id, versions, errors, ms: Date.now() - start })}\n`);
}

// TEST_RUN: one command from the environment, its answer on stdout, then exit (for a client whose stdin is
// not a pipe, e.g. started by `trellis run`).
const once = process.env.TEST_RUN;
if (once !== undefined) {
  void run(JSON.parse(once) as Command).then(() => process.exit(0));
} else {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    void run(JSON.parse(line) as Command);
  });
  lines.on('close', () => {
    for (const c of clients.values()) c.close();
    process.exit(0);
  });
}
