// Generates the @bufbuild/protobuf TypeScript for the Envoy/xDS messages the proxy uses into src/generated/,
// from the .proto files @grpc/grpc-js-xds ships (never copied into the repo); skips when nothing changed.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const depsDir = join(root, 'node_modules/@grpc/grpc-js-xds/deps');
// Import roots, searched in order, like protoc's -I.
const includeRoots = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(depsDir, d));
const outDir = join(root, 'src/generated');
const stampFile = join(outDir, '.generated-stamp');

// The files the proxy needs directly; everything they import is pulled in transitively.
const entryFiles = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/secret/v3/sds.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'google/rpc/status.proto',
];

function resolveProto(name) {
  for (const dir of includeRoots) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

// Walks `import "x.proto";` statements from the entry files; well-known types (google/protobuf/*) come with
// buf and with @bufbuild/protobuf/wkt, so they are not collected.
function collectClosure() {
  const found = new Map();
  const queue = [...entryFiles];
  while (queue.length > 0) {
    const name = queue.pop();
    if (found.has(name) || name.startsWith('google/protobuf/')) continue;
    const path = resolveProto(name);
    if (path === undefined) throw new Error(`generate-protos: cannot find ${name} under ${depsDir}`);
    found.set(name, path);
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)) queue.push(m[1]);
  }
  return found;
}

// The validate.proto that grpc-js-xds vendors predates StringRules.ignore_empty (field 26), which the Envoy
// protos use; add it to the temp copy so the annotations resolve. The annotation values are not used at run
// time (the decoders validate), they only have to parse.
function patchValidateProto(path) {
  const text = readFileSync(path, 'utf8');
  if (/StringRules[\s\S]*ignore_empty/.test(text)) return;
  const patched = text.replace(
    /message StringRules \{/,
    'message StringRules {\n  optional bool ignore_empty = 26;',
  );
  if (patched === text)
    throw new Error('generate-protos: cannot patch validate.proto (StringRules not found)');
  writeFileSync(path, patched);
}

function newestMtimeMs(paths) {
  let newest = 0;
  for (const p of paths) newest = Math.max(newest, statSync(p).mtimeMs);
  return newest;
}

const files = collectClosure();
const pluginPkg = require.resolve('@bufbuild/protoc-gen-es/package.json');
const thisScript = new URL(import.meta.url).pathname;
const inputsMtime = newestMtimeMs([...files.values(), pluginPkg, thisScript]);
const force = process.argv.includes('--force');
// A key output file must exist too, in case part of the tree was deleted by hand.
const keyOutput = join(outDir, 'envoy/config/bootstrap/v3/bootstrap_pb.ts');
if (!force && existsSync(stampFile) && existsSync(keyOutput) && statSync(stampFile).mtimeMs >= inputsMtime) {
  process.exit(0);
}

// Work under node_modules/.cache: on the project's file system, so the finished tree can be renamed into
// place (a rename from /tmp fails across file systems), and outside what tsc and biome look at.
const cacheDir = join(root, 'node_modules/.cache');
mkdirSync(cacheDir, { recursive: true });
const work = mkdtempSync(join(cacheDir, 'trellis-protos-'));
try {
  const protoDir = join(work, 'proto');
  for (const [name, path] of files) {
    mkdirSync(dirname(join(protoDir, name)), { recursive: true });
    cpSync(path, join(protoDir, name));
  }
  patchValidateProto(join(protoDir, 'validate/validate.proto'));
  writeFileSync(join(protoDir, 'buf.yaml'), 'version: v2\n');
  const plugin = join(dirname(pluginPkg), 'bin/protoc-gen-es');
  const genOut = join(work, 'out');
  const template = [
    'version: v2',
    'plugins:',
    `  - local: ${JSON.stringify(plugin)}`,
    `    out: ${JSON.stringify(genOut)}`,
    '    strategy: all',
    '    opt:',
    '      - target=ts',
    '      - import_extension=js',
    '',
  ].join('\n');
  writeFileSync(join(work, 'buf.gen.yaml'), template);
  const buf = join(dirname(require.resolve('@bufbuild/buf/package.json')), 'bin/buf');
  const r = spawnSync(buf, ['generate', protoDir, '--template', join(work, 'buf.gen.yaml')], {
    cwd: work,
    stdio: 'inherit',
    env: { ...process.env, BUF_CACHE_DIR: join(work, 'cache') },
  });
  if (r.status !== 0) {
    console.error(`generate-protos: buf generate failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  writeFileSync(
    join(genOut, '.generated-stamp'),
    `Generated by scripts/generate-protos.mjs from ${files.size} .proto files; never edit by hand.\n`,
  );
  // Swap the whole tree in at once so a concurrent build never sees half of it.
  // If a concurrent run swapped its (identical) tree in first, keep that one.
  const old = `${outDir}.old-${process.pid}`;
  try {
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(genOut, outDir);
  } catch (err) {
    if (!existsSync(stampFile)) throw err;
  }
  rmSync(old, { recursive: true, force: true });
  console.log(`generate-protos: ${files.size} .proto files → src/generated/`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
