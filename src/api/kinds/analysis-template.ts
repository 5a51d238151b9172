// Argo Rollouts AnalysisTemplate / ClusterAnalysisTemplate (argoproj.io): metrics that judge a canary.
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { anything, arr, bool, duration, either, type Infer, int, obj, str } from '../schema.js';

export const ARGO = 'argoproj.io';
export const ARGO_VERSIONS = ['v1alpha1'] as const;

export const analysisArg = () =>
  obj(
    {
      name: str({ nonEmpty: true }).required(),
      value: str(),
      valueFrom: obj({
        secretKeyRef: obj({ name: str().required(), key: str().required() }),
        fieldRef: obj({ fieldPath: str().required() }),
        podTemplateHashValue: str(),
      }),
    },
    { atMostOne: [['value', 'valueFrom']] },
  );

/** An integer or an argument reference such as "{{args.limit}}". */
const intOrArg = () => either(int({ min: 0 }), (v) => typeof v === 'number', str());

const prometheus = () =>
  obj({
    address: str({ nonEmpty: true }).required(),
    query: str({ nonEmpty: true }).required(),
    timeout: int({ min: 0 }),
    insecure: bool(),
    headers: arr(obj({ key: str().required(), value: str().required() })),
    authentication: anything(),
    rangeQuery: anything(),
  });

const PROVIDERS = [
  'prometheus',
  'web',
  'job',
  'datadog',
  'newRelic',
  'wavefront',
  'kayenta',
  'cloudWatch',
  'graphite',
  'influxdb',
  'skywalking',
  'plugin',
];

const metric = () =>
  obj({
    name: str({ nonEmpty: true }).required(),
    interval: duration({ minMs: 1 }),
    initialDelay: duration(),
    count: intOrArg(),
    successCondition: str(),
    failureCondition: str(),
    failureLimit: intOrArg(),
    inconclusiveLimit: intOrArg(),
    consecutiveErrorLimit: intOrArg(),
    provider: obj(
      {
        prometheus: prometheus(),
        web: anything(),
        job: anything(),
        datadog: anything(),
        newRelic: anything(),
        wavefront: anything(),
        kayenta: anything(),
        cloudWatch: anything(),
        graphite: anything(),
        influxdb: anything(),
        skywalking: anything(),
        plugin: anything(),
      },
      { exactlyOne: [PROVIDERS] },
    ).required(),
  });

export const analysisTemplateSpec = obj(
  {
    args: arr(analysisArg()),
    metrics: arr(metric(), { minItems: 1 }).required(),
    dryRun: arr(obj({ metricName: str().required() })),
    measurementRetention: arr(obj({ metricName: str().required(), limit: int({ min: 0 }).required() })),
  },
  {
    check: (t, ctx, path) => {
      // Every {{args.NAME}} used in a metric must be declared, or Argo fails the run at start.
      const declared = new Set((t.args ?? []).map((a) => a.name));
      t.metrics.forEach((m, i) => {
        const texts: Array<[string, string | undefined]> = [
          ['successCondition', m.successCondition],
          ['failureCondition', m.failureCondition],
          ['provider.prometheus.query', m.provider.prometheus?.query],
        ];
        for (const [field, text] of texts) {
          for (const ref of text?.matchAll(/\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g) ?? []) {
            if (!declared.has(ref[1])) {
              ctx.error(
                `${path}.metrics[${i}].${field}`,
                `uses {{args.${ref[1]}}} but spec.args declares no "${ref[1]}"`,
                'analysis-arg',
              );
            }
          }
        }
      });
    },
  },
);

export type AnalysisTemplateSpec = Infer<typeof analysisTemplateSpec>;
export type AnalysisMetric = Infer<ReturnType<typeof metric>>;
export type AnalysisArg = Infer<ReturnType<typeof analysisArg>>;
export type AnalysisTemplateResource = Resource<AnalysisTemplateSpec>;

export const analysisTemplateKind = defineKind({
  kind: 'AnalysisTemplate',
  group: ARGO,
  versions: ARGO_VERSIONS,
  namespaced: true,
  spec: analysisTemplateSpec,
  description: 'metrics (e.g. a Prometheus success rate) and the conditions a canary must meet',
});

export const clusterAnalysisTemplateKind = defineKind({
  kind: 'ClusterAnalysisTemplate',
  group: ARGO,
  versions: ARGO_VERSIONS,
  namespaced: false,
  spec: analysisTemplateSpec,
  description: 'an AnalysisTemplate usable from every namespace',
});
