import { Snapshot } from '../../src/controlplane/model/snapshot.js';
import { clustersFor } from '../../src/controlplane/translate/cluster/index.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { edsNames, GENERATORS, rdsNames, TYPE_URLS } from '../../src/controlplane/translate/generators.js';
import { listenersFor } from '../../src/controlplane/translate/listener/index.js';
import { sidecar } from './fixtures.js';
import { snapshotFromYaml } from './registry-yaml.js';
import { generatedMesh } from './scale.js';

const base = snapshotFromYaml(generatedMesh(100));
const fresh = () =>
  new Snapshot({
    configs: base.configs,
    services: base.services,
    instances: base.instances,
    mesh: base.mesh,
    version: '2',
  });
const proxy = sidecar('client', 'ns-0', { app: 'client' }, '10.250.0.1');
const probe = new TranslateContext(base, proxy);
const routeNames = rdsNames(listenersFor(probe));
const eds = edsNames(clustersFor(probe));
const parts: Record<string, (ctx: TranslateContext) => unknown> = {
  cds: (ctx) => GENERATORS[TYPE_URLS.cluster](ctx, undefined),
  lds: (ctx) => GENERATORS[TYPE_URLS.listener](ctx, undefined),
  rds: (ctx) => GENERATORS[TYPE_URLS.route](ctx, routeNames),
  eds: (ctx) => GENERATORS[TYPE_URLS.endpoint](ctx, eds),
};
for (let r = 0; r < 3; r++) for (const f of Object.values(parts)) f(new TranslateContext(fresh(), proxy));
for (const [label, f] of Object.entries(parts).filter(([l]) => l === (process.env.ONLY ?? l))) {
  const ts: number[] = [];
  for (let i = 0; i < 10; i++) {
    const ctx = new TranslateContext(fresh(), proxy);
    const t0 = performance.now();
    f(ctx);
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  console.log(label, ts[5].toFixed(2));
}
