// Argo Rollouts Rollout (argoproj.io): canary steps that shift traffic through Istio VirtualService weights.
import { labelMap, labelSelector } from '../common.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { anything, arr, bool, duration, either, type Infer, int, map, obj, str } from '../schema.js';
import { ARGO, ARGO_VERSIONS, analysisArg } from './analysis-template.js';

/** An integer or a percentage string such as "25%" (maxSurge, maxUnavailable). */
const intOrPercent = () =>
  either(
    int({ min: 0 }),
    (v) => typeof v === 'number',
    str().check((v, ctx, path) => {
      if (!/^\d+%$/.test(v))
        ctx.error(path, `expected an integer or a percentage such as "25%", got "${v}"`, 'type');
    }),
  );

/** Seconds as a number, or a duration string ("5m"), as Argo's pause takes it. */
const secondsOrDuration = () => either(int({ min: 0 }), (v) => typeof v === 'number', duration());

const analysisTemplates = () =>
  arr(obj({ templateName: str({ nonEmpty: true }).required(), clusterScope: bool() }), { minItems: 1 });

const stepAnalysis = () =>
  obj({
    templates: analysisTemplates().required(),
    args: arr(analysisArg()),
    dryRun: arr(obj({ metricName: str().required() })),
    measurementRetention: arr(obj({ metricName: str().required(), limit: int({ min: 0 }).required() })),
    analysisRunMetadata: obj({ labels: labelMap(), annotations: map(str()) }),
  });

const STEP_KINDS = [
  'setWeight',
  'pause',
  'analysis',
  'experiment',
  'setCanaryScale',
  'setHeaderRoute',
  'setMirrorRoute',
  'plugin',
];

const canaryStep = () =>
  obj(
    {
      setWeight: int({ min: 0, max: 100 }),
      pause: obj({ duration: secondsOrDuration() }),
      analysis: stepAnalysis(),
      experiment: anything(),
      setCanaryScale: obj({
        weight: int({ min: 0, max: 100 }),
        replicas: int({ min: 0 }),
        matchTrafficWeight: bool(),
      }),
      setHeaderRoute: obj({ name: str().required(), match: arr(anything()) }),
      setMirrorRoute: obj({
        name: str().required(),
        match: arr(anything()),
        percentage: int({ min: 0, max: 100 }),
      }),
      plugin: anything(),
    },
    { exactlyOne: [STEP_KINDS] },
  );

const istioVirtualServiceRef = () =>
  obj({
    name: str({ nonEmpty: true }).required(),
    routes: arr(str()),
    tlsRoutes: arr(anything()),
    tcpRoutes: arr(anything()),
  });

const istioTrafficRouting = () =>
  obj(
    {
      virtualService: istioVirtualServiceRef(),
      virtualServices: arr(istioVirtualServiceRef(), { minItems: 1 }),
      destinationRule: obj({
        name: str({ nonEmpty: true }).required(),
        canarySubsetName: str({ nonEmpty: true }).required(),
        stableSubsetName: str({ nonEmpty: true }).required(),
      }),
    },
    { exactlyOne: [['virtualService', 'virtualServices']] },
  );

const trafficRouting = () =>
  obj({
    istio: istioTrafficRouting(),
    nginx: anything(),
    alb: anything(),
    smi: anything(),
    ambassador: anything(),
    appMesh: anything(),
    traefik: anything(),
    apisix: anything(),
    plugins: anything(),
    managedRoutes: arr(obj({ name: str().required() })),
    maxTrafficWeight: int({ min: 1 }),
  });

const canaryStrategy = () =>
  obj(
    {
      canaryService: str(),
      stableService: str(),
      pingPong: obj({ pingService: str().required(), pongService: str().required() }),
      trafficRouting: trafficRouting(),
      steps: arr(canaryStep()),
      /** Background analysis while the canary runs. */
      analysis: obj({
        templates: analysisTemplates(),
        args: arr(analysisArg()),
        startingStep: int({ min: 0 }),
        dryRun: arr(obj({ metricName: str().required() })),
        measurementRetention: arr(anything()),
        analysisRunMetadata: anything(),
        // Not Argo fields here: they belong to spec.analysis. Accepted with a warning because the article
        // writes them here; Argo ignores them in this place.
        successfulRunHistoryLimit: int({ min: 0 }),
        unsuccessfulRunHistoryLimit: int({ min: 0 }),
      }),
      maxSurge: intOrPercent(),
      maxUnavailable: intOrPercent(),
      scaleDownDelaySeconds: int({ min: 0 }),
      scaleDownDelayRevisionLimit: int({ min: 0 }),
      abortScaleDownDelaySeconds: int({ min: 0 }),
      dynamicStableScale: bool(),
      antiAffinity: anything(),
      canaryMetadata: obj({ labels: labelMap(), annotations: map(str()) }),
      stableMetadata: obj({ labels: labelMap(), annotations: map(str()) }),
      minPodsPerReplicaSet: int({ min: 1 }),
    },
    {
      check: (c, ctx, path) => {
        for (const f of ['successfulRunHistoryLimit', 'unsuccessfulRunHistoryLimit'] as const) {
          if (c.analysis?.[f] !== undefined) {
            ctx.warn(
              `${path}.analysis.${f}`,
              `Argo Rollouts ignores ${f} here: it belongs at spec.analysis.${f}`,
              'misplaced-field',
            );
          }
        }
        const bg = c.analysis;
        if (bg && !bg.templates) {
          const others = Object.keys(bg).filter(
            (k) => k !== 'successfulRunHistoryLimit' && k !== 'unsuccessfulRunHistoryLimit',
          );
          if (others.length > 0)
            ctx.error(`${path}.analysis.templates`, 'required field is missing', 'required');
        }
        const vsRouting = c.trafficRouting?.istio;
        if (vsRouting && !vsRouting.destinationRule && (!c.canaryService || !c.stableService)) {
          ctx.error(
            path,
            'Istio traffic routing by host needs canaryService and stableService (or a destinationRule with subsets)',
            'required',
          );
        }
      },
    },
  );

const blueGreenStrategy = () =>
  obj({
    activeService: str({ nonEmpty: true }).required(),
    previewService: str(),
    autoPromotionEnabled: bool(),
    autoPromotionSeconds: int({ min: 0 }),
    scaleDownDelaySeconds: int({ min: 0 }),
    scaleDownDelayRevisionLimit: int({ min: 0 }),
    abortScaleDownDelaySeconds: int({ min: 0 }),
    previewReplicaCount: int({ min: 0 }),
    prePromotionAnalysis: stepAnalysis(),
    postPromotionAnalysis: stepAnalysis(),
    antiAffinity: anything(),
    previewMetadata: anything(),
    activeMetadata: anything(),
    maxUnavailable: intOrPercent(),
  });

export const rolloutSpec = obj({
  replicas: int({ min: 0 }).default(1),
  selector: labelSelector(),
  template: anything('a pod template'),
  workloadRef: obj({ apiVersion: str(), kind: str().required(), name: str().required(), scaleDown: str() }),
  minReadySeconds: int({ min: 0 }),
  revisionHistoryLimit: int({ min: 0 }),
  progressDeadlineSeconds: int({ min: 0 }),
  progressDeadlineAbort: bool(),
  paused: bool(),
  restartAt: str(),
  rollbackWindow: obj({ revisions: int({ min: 0 }) }),
  /** How many finished AnalysisRuns to keep (Argo's defaults: 5 successful, 5 unsuccessful). */
  analysis: obj({ successfulRunHistoryLimit: int({ min: 0 }), unsuccessfulRunHistoryLimit: int({ min: 0 }) }),
  strategy: obj(
    { canary: canaryStrategy(), blueGreen: blueGreenStrategy() },
    { exactlyOne: [['canary', 'blueGreen']] },
  ).required(),
});

export type RolloutSpec = Infer<typeof rolloutSpec>;
export type CanaryStrategy = Infer<ReturnType<typeof canaryStrategy>>;
export type CanaryStep = Infer<ReturnType<typeof canaryStep>>;
export type RolloutResource = Resource<RolloutSpec>;

export const rolloutKind = defineKind({
  kind: 'Rollout',
  group: ARGO,
  versions: ARGO_VERSIONS,
  namespaced: true,
  spec: rolloutSpec,
  description: 'progressive delivery: canary steps (setWeight, pause, analysis) over a VirtualService',
});
