// A proxyless gRPC server for tests, run as its own process: a grpc-js-xds XdsServer on 127.0.0.1:<argv[2]>
// that takes its listener from the control plane named by GRPC_XDS_BOOTSTRAP_CONFIG (the bootstrap's
// server_listener_resource_name_template) and answers /test.Version/Get with argv[3]. Prints `serving <port>`
// once the listener arrived and it serves; exits when stdin closes.
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';

const port = Number(process.argv[2]);
const version = process.argv[3] ?? 'v0';
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
    Get: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
      callback(null, Buffer.from(version)),
  },
);
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    process.stderr.write(`bind failed: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`serving ${bound}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  server.forceShutdown();
  process.exit(0);
});
