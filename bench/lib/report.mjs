// The benchmark's results: medians and spreads per scenario, ratios to direct / nginx / the fastest Node.js
// peer, the issue's targets with PASS/FAIL, and the markdown table printed to stdout.
const MB = 1024 * 1024;

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function spread(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return null;
  const m = median(v);
  const min = Math.min(...v);
  const max = Math.max(...v);
  return { min, max, percentOfMedian: m > 0 ? ((max - min) / m) * 100 : 0 };
}

/** Per-scenario figures from its raw runs. */
function summarizeScenario(s) {
  if (s.unavailable || s.closed.length === 0) {
    return { id: s.id, label: s.label, unavailable: s.unavailable ?? s.failed ?? 'no completed run' };
  }
  const rps = s.closed.map((r) => r.requestsPerSecond);
  const roles = s.proxies.map((p) => p.role);
  const perProxy = {};
  for (const role of roles) {
    perProxy[role] = {
      cpuSecondsPer1000: median(s.closed.map((r) => r.cpuSecondsPer1000[role])),
      cpuSecondsPer1000AtRate: median(s.open.map((r) => r.cpuSecondsPer1000?.[role])),
      rssIdleMB: s.rss[role].idle / MB,
      rssLoadedMB: s.rss[role].loaded / MB,
      rssSampledPeakMB: s.rss[role].sampledPeak / MB,
      pssIdleMB: s.rss[role].pssIdle / MB,
      privateIdleMB: s.rss[role].privateIdle / MB,
      pssEndMB: s.rss[role].pssEnd / MB,
      privateEndMB: s.rss[role].privateEnd / MB,
    };
  }
  const pct = (key) => median(s.open.map((r) => r.latencyMs[key]));
  return {
    id: s.id,
    label: s.label,
    failed: s.failed,
    requestsPerSecond: median(rps),
    requestsPerSecondSpread: spread(rps),
    errors: s.closed.reduce((n, r) => n + r.non2xx + r.socketErrors, 0),
    openLoop: s.open.length
      ? {
          p50: pct('p50'),
          p90: pct('p90'),
          p99: pct('p99'),
          p99Spread: spread(s.open.map((r) => r.latencyMs.p99)),
          errors: s.open.reduce((n, r) => n + r.errors + r.non2xx, 0),
          schedulingLagP99: median(s.open.map((r) => r.schedulingLagMs.p99)),
        }
      : null,
    perProxy,
  };
}

const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN);

/** Adds ratios and added latency against direct, the nginx pair and the fastest Node.js peer; checks targets. */
export function summarize(scenarios, rate = 1000) {
  const rows = scenarios.map(summarizeScenario);
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  const direct = byId.direct;
  const nginx = byId.nginx;
  const peers = rows.filter((r) => (r.id === 'node-http' || r.id === 'undici') && !r.unavailable);
  const fastestPeer = peers.sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0];
  for (const row of rows) {
    if (row.unavailable) continue;
    row.ratios = {
      toDirect: ratio(row.requestsPerSecond, direct?.requestsPerSecond),
      toNginx: ratio(row.requestsPerSecond, nginx?.requestsPerSecond),
      toFastestNodePeer: ratio(row.requestsPerSecond, fastestPeer?.requestsPerSecond),
    };
    if (row.openLoop && direct?.openLoop) {
      row.openLoop.addedP50 = row.openLoop.p50 - direct.openLoop.p50;
      row.openLoop.addedP99 = row.openLoop.p99 - direct.openLoop.p99;
    }
  }
  return {
    rows,
    fastestNodePeer: fastestPeer?.id ?? null,
    targets: [
      ...checkTargets(byId.trellis, fastestPeer, rate),
      mtlsTarget(byId.trellis, byId['trellis-mtls']),
    ],
  };
}

/** mTLS may cost at most 25 % of the plaintext pair's throughput, measured in the same run. */
function mtlsTarget(plain, mtls) {
  const target = 'mTLS pair req/s ≥ 0.75 × plaintext Trellis pair';
  if (!plain || plain.unavailable || !mtls || mtls.unavailable)
    return { target, measured: Number.NaN, unit: '×', result: 'n/a (run trellis and trellis-mtls together)' };
  const r = ratio(mtls.requestsPerSecond, plain.requestsPerSecond);
  return {
    target,
    measured: r,
    unit: '×',
    result: Number.isFinite(r) ? (r >= 0.75 ? 'PASS' : 'FAIL') : 'n/a',
  };
}

function checkTargets(trellis, fastestPeer, rate) {
  const available = trellis && !trellis.unavailable;
  const maxOver = (key) =>
    available ? Math.max(...Object.values(trellis.perProxy).map((p) => p[key])) : Number.NaN;
  const verdict = (measured, ok) => (Number.isFinite(measured) ? (ok ? 'PASS' : 'FAIL') : 'n/a');
  const toPeer = available ? trellis.ratios.toFastestNodePeer : Number.NaN;
  const toNginx = available ? trellis.ratios.toNginx : Number.NaN;
  // The latency target is defined at 1000 req/s; at another --rate it is not judged.
  const addedP99 = available && rate === 1000 ? (trellis.openLoop?.addedP99 ?? Number.NaN) : Number.NaN;
  const idle = maxOver('rssIdleMB');
  const loaded = maxOver('rssLoadedMB');
  return [
    {
      target: `req/s ≥ 1.3 × fastest Node.js peer${fastestPeer ? ` (${fastestPeer.id})` : ''}`,
      measured: toPeer,
      unit: '×',
      result: verdict(toPeer, toPeer >= 1.3),
    },
    {
      target: 'req/s ≥ 0.35 × nginx pair',
      measured: toNginx,
      unit: '×',
      result: verdict(toNginx, toNginx >= 0.35),
    },
    {
      target: 'P99 at 1000 req/s ≤ direct + 1.0 ms',
      measured: addedP99,
      unit: 'ms added',
      result: verdict(addedP99, addedP99 <= 1.0),
    },
    {
      target: 'RSS idle ≤ 50 MB per proxy',
      measured: idle,
      unit: 'MB (max of pair)',
      result: verdict(idle, idle <= 50),
    },
    {
      target: 'RSS loaded ≤ 80 MB per proxy',
      measured: loaded,
      unit: 'MB (max of pair)',
      result: verdict(loaded, loaded <= 80),
    },
  ].map((t) => (available ? t : { ...t, result: `n/a (Trellis ${trellis ? 'unavailable' : 'not run'})` }));
}

const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const signed = (x) => (Number.isFinite(x) ? `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(2)}` : '–');
const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

/** The markdown report: settings, one row per scenario, the targets, and notes. */
export function markdown(summary, meta) {
  const lines = [];
  lines.push(`## Trellis end-to-end benchmark — ${meta.startedAt}`, '');
  lines.push(
    `wrk -t1 -c${meta.connections}, ${meta.durationS} s per run, ${meta.rounds} interleaved rounds (medians; ` +
      `spread = (max−min)/median); open loop at ${meta.rate} req/s over 32 keep-alive connections, ` +
      `latency from the intended send time. Upstream: nginx, ${meta.bodyBytes}-byte body. ` +
      'nginx proxies: worker_processes 1 (one process per proxy, like Node). ' +
      `Access logs: ${meta.accessLog ? 'ON (Trellis and nginx proxies)' : 'off'}. ` +
      `Load average at start ${meta.loadAverage.start.map((x) => x.toFixed(2)).join(' ')}, ` +
      `end ${meta.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} on ${meta.cpus} CPUs.`,
    '',
  );
  lines.push(
    '| scenario | req/s (spread) | × direct | × nginx | × fastest Node peer | P50 / P90 / P99 ms @ rate | added P50 / P99 ms | CPU s per 1000 req (client, server) | RSS MB idle → loaded (client; server) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const row of summary.rows) {
    if (row.unavailable) {
      const reason = row.unavailable.replace(/\|/g, '/').replace(/\s+/g, ' ').trim();
      lines.push(`| ${row.label} | unavailable: ${reason} | | | | | | | |`);
      continue;
    }
    const ol = row.openLoop;
    const cpu = ['client', 'server']
      .filter((r) => row.perProxy[r])
      .map((r) => fmt(row.perProxy[r].cpuSecondsPer1000, 3));
    const rss = ['client', 'server']
      .filter((r) => row.perProxy[r])
      .map((r) => `${fmt(row.perProxy[r].rssIdleMB, 1)} → ${fmt(row.perProxy[r].rssLoadedMB, 1)}`);
    const spreadText = row.requestsPerSecondSpread
      ? ` (±${fmt(row.requestsPerSecondSpread.percentOfMedian / 2, 0)} %)`
      : '';
    lines.push(
      `| ${row.label}${row.failed ? ` (failed: ${row.failed.replace(/\|/g, '/').replace(/\s+/g, ' ')})` : ''}${row.errors ? ` (${row.errors} errors)` : ''} ` +
        `| ${fmtInt(row.requestsPerSecond)}${spreadText} | ${fmt(row.ratios.toDirect)} | ${fmt(row.ratios.toNginx)} ` +
        `| ${fmt(row.ratios.toFastestNodePeer)} ` +
        `| ${ol ? `${fmt(ol.p50)} / ${fmt(ol.p90)} / ${fmt(ol.p99)}` : '–'} ` +
        `| ${ol && row.id !== 'direct' ? `${signed(ol.addedP50)} / ${signed(ol.addedP99)}` : '–'} ` +
        `| ${cpu.join(', ') || '–'} | ${rss.join('; ') || '–'} |`,
    );
  }
  lines.push('', '| Trellis target | measured | result |', '|---|---:|---|');
  for (const t of summary.targets) lines.push(`| ${t.target} | ${fmt(t.measured)} ${t.unit} | ${t.result} |`);
  lines.push(
    '',
    'Reference figures from the issue (2 vCPU, quiet machine): nginx pair ≈ 21.6 k req/s, +0.29 ms added P99 ' +
      'at 1 000 req/s, 13 MB RSS per proxy; Node.js peers 4.0–6.2 k req/s.',
  );
  const unique = summary.rows
    .filter((r) => !r.unavailable && r.perProxy?.client)
    .map((r) => {
      const p = (role) => r.perProxy[role];
      const pair = ['client', 'server'].filter(p);
      return `${r.id} ${pair.map((role) => `${fmt(p(role).privateIdleMB, 1)} → ${fmt(p(role).privateEndMB, 1)}`).join('; ')}`;
    });
  if (unique.length) {
    lines.push(
      `Private memory per proxy, MB, idle → after the load (client; server): ${unique.join(' · ')}. RSS also ` +
        "counts the executable's pages every process running it shares (~40 MB of node per Node.js proxy).",
    );
  }
  const lag = summary.rows.map((r) => r.openLoop?.schedulingLagP99).filter(Number.isFinite);
  if (lag.length) {
    lines.push(
      `Open-loop generator lateness (P99, median over runs): ${fmt(median(lag))} ms — latencies include it ` +
        'equally in every scenario; compare the added columns.',
    );
  }
  if (meta.loadAverage.start[0] > 0.5) {
    lines.push('Note: the machine was not idle when the run started; figures are noisy, compare ratios.');
  }
  return lines.join('\n');
}
