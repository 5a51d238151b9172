// Translation time of one sidecar's full config (listeners, clusters, every route config and endpoint set it
// references, packed as the ADS server sends them), on a new snapshot (cold) and on the same one (warm).
// Cold comes twice: a new snapshot of the same registry objects, and one whose services and instances are new
// objects with the same content (as the control plane's registry hands them over for every snapshot).
const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const median = (xs) => percentile(xs, 0.5);

/**
 * `dist(p)` imports a module of the build; `yaml` is the mesh. Returns medians, P90s and the warm best (ms):
 * coldMedian/coldP90 (new snapshot), rebuiltMedian/rebuiltP90 (new snapshot, registry objects rebuilt),
 * warmMedian/warmP90/warmBest (another proxy on the same snapshot).
 */
export async function translationTimes(dist, yaml, rounds = 31) {
  const [
    { Snapshot },
    { clustersFor },
    { TranslateContext },
    gen,
    { listenersFor },
    { sidecar },
    { snapshotFromYaml },
  ] = await Promise.all([
    dist('src/controlplane/model/snapshot.js'),
    dist('src/controlplane/translate/cluster/index.js'),
    dist('src/controlplane/translate/context.js'),
    dist('src/controlplane/translate/generators.js'),
    dist('src/controlplane/translate/listener/index.js'),
    dist('test/simulation/fixtures.js'),
    dist('test/simulation/registry-yaml.js'),
  ]);
  const { GENERATORS, TYPE_URLS, edsNames, rdsNames } = gen;
  const base = snapshotFromYaml(yaml);
  const fresh = (rebuildRegistry = false) =>
    new Snapshot({
      configs: base.configs,
      services: rebuildRegistry ? structuredClone(base.services) : base.services,
      instances: rebuildRegistry ? structuredClone(base.instances) : base.instances,
      mesh: base.mesh,
      version: '2',
    });
  const proxyN = (i) =>
    sidecar(`client-${i}`, 'ns-0', { app: 'client', pod: String(i) }, `10.250.0.${i + 1}`);
  const probe = new TranslateContext(base, proxyN(0));
  const routeNames = rdsNames(listenersFor(probe));
  const clusterNames = edsNames(clustersFor(probe));
  const translate = (snapshot, i) => {
    const ctx = new TranslateContext(snapshot, proxyN(i));
    return (
      GENERATORS[TYPE_URLS.cluster](ctx, undefined).length +
      GENERATORS[TYPE_URLS.listener](ctx, undefined).length +
      GENERATORS[TYPE_URLS.route](ctx, routeNames).length +
      GENERATORS[TYPE_URLS.endpoint](ctx, clusterNames).length
    );
  };
  // JIT warm-up: a long-running control plane translates with optimized code; cold here means new snapshot,
  // not new process. Cross-snapshot caches leave little work per round, so it takes ~15 rounds to settle.
  for (let i = 0; i < 20; i++) translate(fresh(i % 2 === 1), i % 4);
  const cold = [];
  const rebuilt = [];
  const warm = [];
  for (let round = 0; round < rounds; round++) {
    const snapshot = fresh();
    let t0 = performance.now();
    translate(snapshot, 0);
    cold.push(performance.now() - t0);
    t0 = performance.now();
    translate(snapshot, round + 1);
    warm.push(performance.now() - t0);
    const other = fresh(true); // built outside the timed part, like the control plane's snapshot
    t0 = performance.now();
    translate(other, 0);
    rebuilt.push(performance.now() - t0);
  }
  return {
    coldMedian: median(cold),
    coldP90: percentile(cold, 0.9),
    rebuiltMedian: median(rebuilt),
    rebuiltP90: percentile(rebuilt, 0.9),
    warmMedian: median(warm),
    warmP90: percentile(warm, 0.9),
    warmBest: Math.min(...warm),
  };
}
