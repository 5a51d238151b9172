// A proxyless gRPC server for tests, run as its own process: a grpc-js-xds XdsServer on 127.0.0.1:<argv[2]>
// (or $PORT, as `trellis run` sets it) that takes its listener from the control plane named by its xDS
// bootstrap (server_listener_resource_name_template) and answers /test.Version/Get with argv[3] (or its
// workload name under `trellis run`/`up`). Prints `serving <port>` once the listener arrived and it serves;
// exits when stdin closes, or when signalled under `trellis run`. With TEST_XDS_CREDENTIALS=1 it serves
// with xDS credentials (mTLS when its listener says so) and appends the caller's URI SAN, or `plaintext`.
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';

const port = Number(process.argv[2] ?? process.env.PORT);
const version = process.argv[3] ?? process.env.TRELLIS_WORKLOAD ?? 'v0';
const xdsCredentials = process.env.TEST_XDS_CREDENTIALS === '1';
if (!Number.isInteger(port) || port <= 0) throw new Error('usage: server.ts <port> <version>');

const identity = (b: Buffer) => b;
// register() also fills grpc-js-xds's HTTP filter registry, which the server's listener validation reads.
xds.register();
const server = new xds.XdsServer();
server.addService(
  {
    Get: {
      path: '/test.Version/Get',
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  },
  {
    Get: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      if (!xdsCredentials) return callback(null, Buffer.from(version));
      const san = call.getAuthContext().sslPeerCertificate?.subjectaltname;
      callback(null, Buffer.from(`${version} ${san ?? 'plaintext'}`));
    },
  },
);
const insecure = grpc.ServerCredentials.createInsecure();
const credentials = xdsCredentials ? new xds.XdsServerCredentials(insecure) : insecure;
server.bindAsync(`127.0.0.1:${port}`, credentials, (err, bound) => {
  if (err) {
    process.stderr.write(`bind failed: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`serving ${bound}\n`);
});
// Under `trellis run` (stdin is /dev/null) it runs until signalled.
if (process.env.TRELLIS_WORKLOAD === undefined) {
  process.stdin.resume();
  process.stdin.on('end', () => {
    server.forceShutdown();
    process.exit(0);
  });
}
