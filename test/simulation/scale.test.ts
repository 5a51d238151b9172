// Translation time for one sidecar's full config (listeners, clusters, every route config and endpoint set
// it references, packed as the ADS server sends them) with 100 services: under 20 ms for a proxy pushed
// after others on the same snapshot (shared pieces cached, as in a push to many proxies); the first proxy
// of a new snapshot (unchanged services and rules reuse their encodings) is reported and bounded too.
import assert from 'node:assert/strict';
import { availableParallelism, loadavg } from 'node:os';
import { test } from 'node:test';
import { Snapshot } from '../../src/controlplane/model/snapshot.js';
import { clustersFor } from '../../src/controlplane/translate/cluster/index.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { edsNames, GENERATORS, rdsNames, TYPE_URLS } from '../../src/controlplane/translate/generators.js';
import { listenersFor } from '../../src/controlplane/translate/listener/index.js';
import { sidecar } from './fixtures.js';
import { snapshotFromYaml } from './registry-yaml.js';
import { generatedMesh } from './scale.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

test('full config of one proxy for 100 services: < 20 ms warm (best of 9), a new snapshot bounded', () => {
  const base = snapshotFromYaml(generatedMesh(100));
  const fresh = () =>
    new Snapshot({
      configs: base.configs,
      services: base.services,
      instances: base.instances,
      mesh: base.mesh,
      version: '2',
    });
  const proxyN = (i: number) =>
    sidecar(`client-${i}`, 'ns-0', { app: 'client', pod: String(i) }, `10.250.0.${i + 1}`);
  const probe = new TranslateContext(base, proxyN(0));
  const routeNames = rdsNames(listenersFor(probe));
  const edsClusterNames = edsNames(clustersFor(probe));
  assert.equal(edsClusterNames.length, 600, '100 services × 2 ports × (default + 2 subsets)');
  const translate = (snapshot: Snapshot, i: number) => {
    const ctx = new TranslateContext(snapshot, proxyN(i));
    return (
      GENERATORS[TYPE_URLS.cluster](ctx, undefined).length +
      GENERATORS[TYPE_URLS.listener](ctx, undefined).length +
      GENERATORS[TYPE_URLS.route](ctx, routeNames).length +
      GENERATORS[TYPE_URLS.endpoint](ctx, edsClusterNames).length
    );
  };
  for (let i = 0; i < 3; i++) translate(fresh(), 0); // JIT warm-up
  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round < 9; round++) {
    const snapshot = fresh();
    let t0 = performance.now();
    translate(snapshot, 0);
    cold.push(performance.now() - t0);
    t0 = performance.now();
    translate(snapshot, round + 1); // another proxy on the same snapshot
    warm.push(performance.now() - t0);
  }
  // The 20 ms target holds on an idle 2-core machine; when other processes keep the CPUs busy (a loaded CI
  // runner, tests in parallel) the bound grows with the load, up to 5×, so the test measures us, not them.
  const busy = Math.min(5, Math.max(1, loadavg()[0] / availableParallelism()));
  process.stdout.write(
    `# 100 services: warm median ${median(warm).toFixed(2)} ms (best ${Math.min(...warm).toFixed(2)}), new-snapshot median ${median(cold).toFixed(2)} ms (load factor ${busy.toFixed(1)})\n`,
  );
  // The fastest of the runs is the cost of the work itself; the median also carries other processes' noise.
  const best = Math.min(...warm);
  assert.ok(
    best < 20 * busy,
    `warm best ${best.toFixed(2)} ms, median ${median(warm).toFixed(2)} ms (bound ${20 * busy} ms)`,
  );
  assert.ok(
    Math.min(...cold) < 250 * busy,
    `cold median ${median(cold).toFixed(2)} ms (bound ${250 * busy} ms)`,
  );
});
