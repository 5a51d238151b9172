// DestinationRule traffic policy (networking.istio.io TrafficPolicy): load balancing, connection pools,
// outlier detection, client TLS, per-port settings.
import { portSelector } from '../common.js';
import { arr, bool, duration, enumOf, type Infer, int, map, num, obj, str } from '../schema.js';

export const LB_SIMPLE = [
  'UNSPECIFIED',
  'LEAST_CONN',
  'RANDOM',
  'PASSTHROUGH',
  'ROUND_ROBIN',
  'LEAST_REQUEST',
] as const;

const consistentHash = () =>
  obj(
    {
      httpHeaderName: str({ nonEmpty: true }),
      httpCookie: obj({
        name: str({ nonEmpty: true }).required(),
        path: str(),
        ttl: duration(),
        attributes: arr(obj({ name: str().required(), value: str() })),
      }),
      useSourceIp: bool(),
      httpQueryParameterName: str({ nonEmpty: true }),
      ringHash: obj({ minimumRingSize: int({ min: 0 }) }),
      maglev: obj({ tableSize: int({ min: 0 }) }),
      minimumRingSize: int({ min: 0 }).deprecated('use ringHash.minimumRingSize'),
    },
    {
      exactlyOne: [['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName']],
      atMostOne: [['ringHash', 'maglev', 'minimumRingSize']],
    },
  );

const localityLb = () =>
  obj({
    distribute: arr(obj({ from: str(), to: map(int({ min: 0, max: 100 })) })),
    failover: arr(obj({ from: str(), to: str() })),
    failoverPriority: arr(str()),
    enabled: bool(),
  });

export const loadBalancerSettings = () =>
  obj(
    {
      simple: enumOf(LB_SIMPLE),
      consistentHash: consistentHash(),
      localityLbSetting: localityLb(),
      warmupDurationSecs: duration(),
      warmup: obj({
        duration: duration().required(),
        minimumPercent: num({ min: 0, max: 100 }),
        aggression: num({ min: 1 }),
      }),
    },
    {
      atMostOne: [
        ['simple', 'consistentHash'],
        ['warmupDurationSecs', 'warmup'],
      ],
    },
  );

export const connectionPoolSettings = () =>
  obj({
    tcp: obj({
      maxConnections: int({ min: 0 }),
      connectTimeout: duration({ minMs: 1 }),
      tcpKeepalive: obj({ probes: int({ min: 0 }), time: duration(), interval: duration() }),
      maxConnectionDuration: duration({ minMs: 1 }),
      idleTimeout: duration(),
    }),
    http: obj({
      http1MaxPendingRequests: int({ min: 0 }),
      http2MaxRequests: int({ min: 0 }),
      maxRequestsPerConnection: int({ min: 0 }),
      maxRetries: int({ min: 0 }),
      idleTimeout: duration(),
      h2UpgradePolicy: enumOf(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE']),
      useClientProtocol: bool(),
      maxConcurrentStreams: int({ min: 0 }),
    }),
  });

export const outlierDetection = () =>
  obj({
    splitExternalLocalOriginErrors: bool(),
    consecutiveLocalOriginFailures: int({ min: 0 }),
    consecutiveGatewayErrors: int({ min: 0 }),
    consecutive5xxErrors: int({ min: 0 }),
    consecutiveErrors: int({ min: 0 }).deprecated('use consecutive5xxErrors'),
    interval: duration({ minMs: 1 }),
    baseEjectionTime: duration({ minMs: 1 }),
    maxEjectionPercent: int({ min: 0, max: 100 }),
    minHealthPercent: int({ min: 0, max: 100 }),
  });

export const TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;

export const clientTlsSettings = () =>
  obj(
    {
      mode: enumOf(TLS_MODES),
      clientCertificate: str(),
      privateKey: str(),
      caCertificates: str(),
      credentialName: str(),
      subjectAltNames: arr(str()),
      sni: str(),
      insecureSkipVerify: bool(),
      caCrl: str(),
    },
    {
      check: (t, ctx, path) => {
        if (t.mode === 'MUTUAL' && !t.credentialName && (!t.clientCertificate || !t.privateKey)) {
          ctx.error(path, 'mode MUTUAL needs credentialName, or clientCertificate and privateKey', 'tls');
        }
        if (
          t.mode === 'ISTIO_MUTUAL' &&
          (t.clientCertificate || t.privateKey || t.caCertificates || t.credentialName)
        ) {
          ctx.error(
            path,
            'mode ISTIO_MUTUAL uses the mesh certificates: do not set certificate files or credentialName',
            'tls',
          );
        }
      },
    },
  );

const policyParts = {
  loadBalancer: loadBalancerSettings(),
  connectionPool: connectionPoolSettings(),
  outlierDetection: outlierDetection(),
  tls: clientTlsSettings(),
};

export const trafficPolicy = () =>
  obj({
    ...policyParts,
    portLevelSettings: arr(obj({ port: portSelector().required(), ...policyParts })),
    tunnel: obj({
      protocol: enumOf(['CONNECT', 'POST']),
      targetHost: str({ nonEmpty: true }).required(),
      targetPort: int({ min: 1, max: 65535 }).required(),
    }),
    proxyProtocol: obj({ version: enumOf(['V1', 'V2']) }),
  });

export type LoadBalancerSettings = Infer<ReturnType<typeof loadBalancerSettings>>;
export type ConnectionPoolSettings = Infer<ReturnType<typeof connectionPoolSettings>>;
export type OutlierDetection = Infer<ReturnType<typeof outlierDetection>>;
export type ClientTLSSettings = Infer<ReturnType<typeof clientTlsSettings>>;
export type TrafficPolicy = Infer<ReturnType<typeof trafficPolicy>>;
