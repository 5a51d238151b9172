// Starting the benchmark's scenarios: the shared nginx upstream, then each proxy pair (server-side proxy
// next to the upstream first, client-side proxy in front of it), and a probe that checks the path works.
import { openSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeMtlsCertificates } from './mtls-certs.mjs';
import { BODY_BYTES, proxyConfig, startNginx, upstreamConfig } from './nginx.mjs';
import { freePort, start, stop, untilListening } from './procs.mjs';
import { startTrellisProxy, trellisUnavailableReason } from './trellis.mjs';

const peersDir = fileURLToPath(new URL('../peers/', import.meta.url));

export const LABELS = {
  direct: 'direct (no proxy)',
  nginx: 'nginx pair',
  'node-http': 'Node.js http.request pair',
  undici: 'Node.js undici Pool pair',
  trellis: 'Trellis pair',
  'trellis-mtls': 'Trellis pair, mutual TLS between the proxies',
};

export async function startUpstream(ctx) {
  const port = await freePort();
  const proc = await startNginx(ctx.nginx, ctx.dir, 'upstream', upstreamConfig(ctx.dir, port), port);
  return { port, proc };
}

/** One GET through the scenario's entry port: resolves to null if it answered 200 with the 1 kB body. */
export function probe(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) resolve(`probe got status ${res.statusCode}`);
        else if (bytes !== BODY_BYTES) resolve(`probe got a ${bytes}-byte body, expected ${BODY_BYTES}`);
        else resolve(null);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 5 s')));
    req.on('error', (err) => resolve(`probe failed: ${err.message}`));
  });
}

async function startNginxProxy(ctx, name, listenPort, nextHopPort) {
  let config = proxyConfig(ctx.dir, name, listenPort, nextHopPort);
  if (ctx.accessLog) {
    config = config.replace('access_log off;', `access_log ${path.join(ctx.dir, `${name}-access.log`)};`);
  }
  return startNginx(ctx.nginx, ctx.dir, name, config, listenPort);
}

async function startPeerProxy(ctx, script, name, listenPort, nextHopPort) {
  const log = openSync(path.join(ctx.dir, `${name}.log`), 'w');
  const proc = start(
    name,
    process.execPath,
    [path.join(peersDir, script), '--listen', String(listenPort), '--upstream', `127.0.0.1:${nextHopPort}`],
    { stdio: ['ignore', log, log] },
  );
  return untilListening(proc, listenPort);
}

/** The mTLS settings of one proxy of the trellis-mtls pair (certificates made once per run). */
function mtlsFor(ctx, role) {
  ctx.mtlsCerts ??= makeMtlsCertificates(ctx.dir);
  const { ca, client, server } = ctx.mtlsCerts;
  return role === 'server'
    ? { ca, downstream: server }
    : { ca, upstream: { ...client, peerSpiffeId: server.spiffeId } };
}

async function startTrellis(ctx, name, listenPort, nextHopPort, mtls) {
  const adminPort = await freePort();
  const accessLogPath = ctx.accessLog ? path.join(ctx.dir, `trellis-${name}-access.log`) : undefined;
  return startTrellisProxy(
    ctx.dir,
    { name, listenPort, nextHopPort, adminPort, accessLogPath, mtls },
    { profileDir: ctx.profile ? ctx.profileDir : undefined, stamp: ctx.stamp, extraNodeFlags: ctx.nodeFlags },
  );
}

/** Starts one proxy of the given scenario. */
function startProxy(ctx, id, role, listenPort, nextHopPort) {
  switch (id) {
    case 'nginx':
      return startNginxProxy(ctx, `nginx-${role}`, listenPort, nextHopPort);
    case 'node-http':
      return startPeerProxy(ctx, 'node-http-proxy.mjs', `node-http-${role}`, listenPort, nextHopPort);
    case 'undici':
      return startPeerProxy(ctx, 'undici-pool-proxy.mjs', `undici-${role}`, listenPort, nextHopPort);
    case 'trellis':
      return startTrellis(ctx, role, listenPort, nextHopPort);
    case 'trellis-mtls':
      return startTrellis(ctx, `mtls-${role}`, listenPort, nextHopPort, mtlsFor(ctx, role));
    default:
      throw new Error(`unknown scenario ${id}`);
  }
}

async function undiciMissing() {
  try {
    await import('undici');
    return null;
  } catch {
    return 'undici is not installed (npm ci installs it as a dev dependency)';
  }
}

/**
 * Starts a scenario: { id, label, port, proxies: [{ role, proc }] } or { id, label, unavailable: reason }.
 * A scenario that fails to start leaves no process behind.
 */
export async function startScenario(ctx, id, upstreamPort) {
  const label = LABELS[id];
  if (id === 'direct') return { id, label, port: upstreamPort, proxies: [] };
  const missing =
    id === 'trellis' || id === 'trellis-mtls'
      ? trellisUnavailableReason()
      : id === 'undici'
        ? await undiciMissing()
        : null;
  if (missing) return { id, label, unavailable: missing };
  const proxies = [];
  try {
    const serverPort = await freePort();
    const clientPort = await freePort();
    proxies.push({ role: 'server', proc: await startProxy(ctx, id, 'server', serverPort, upstreamPort) });
    proxies.push({ role: 'client', proc: await startProxy(ctx, id, 'client', clientPort, serverPort) });
    const problem = await probe(clientPort);
    if (problem) throw new Error(problem);
    return { id, label, port: clientPort, proxies };
  } catch (err) {
    await Promise.all(proxies.map((p) => stop(p.proc)));
    return { id, label, unavailable: err instanceof Error ? err.message : String(err) };
  }
}
