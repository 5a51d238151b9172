// nginx for the benchmark: the upstream that serves a fixed ~1 kB body in every scenario, and the nginx
// proxy pair (proxy_pass with upstream keep-alive), each one master + one worker, configured under a temp dir.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { start, untilListening } from './procs.mjs';

/** The response body: 1024 bytes of printable ASCII, the same in every scenario. */
export const BODY_BYTES = 1024;
const body = 'x'.repeat(BODY_BYTES - 1) + '\n';

/** Settings shared by every nginx we start: foreground, its own pid/temp/log paths, no access log. */
function commonHead(dir, name) {
  return `
daemon off;
master_process on;
# One worker per proxy, so each nginx proxy is comparable to one Node.js process per proxy.
worker_processes 1;
pid ${dir}/${name}.pid;
error_log ${dir}/${name}-error.log warn;
events { worker_connections 4096; }
`;
}

function httpHead(dir, name) {
  return `
  access_log off;
  client_body_temp_path ${dir}/${name}-tmp/body;
  proxy_temp_path ${dir}/${name}-tmp/proxy;
  fastcgi_temp_path ${dir}/${name}-tmp/fastcgi;
  uwsgi_temp_path ${dir}/${name}-tmp/uwsgi;
  scgi_temp_path ${dir}/${name}-tmp/scgi;
  # Keep client connections open for the whole run (wrk and the open-loop generator reuse them).
  keepalive_requests 10000000;
  keepalive_timeout 300s;
`;
}

export function upstreamConfig(dir, port) {
  return `${commonHead(dir, 'upstream')}
http {${httpHead(dir, 'upstream')}
  server {
    listen 127.0.0.1:${port};
    location / {
      default_type text/plain;
      return 200 "${body.replace('\n', '\\n')}";
    }
  }
}
`;
}

export function proxyConfig(dir, name, listenPort, nextHopPort) {
  return `${commonHead(dir, name)}
http {${httpHead(dir, name)}
  upstream next_hop {
    server 127.0.0.1:${nextHopPort};
    keepalive 64;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://next_hop;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** Starts `nginx -c <conf>` in the foreground; resolves once it listens on `port`. */
export async function startNginx(nginxBinary, dir, name, config, port) {
  mkdirSync(path.join(dir, `${name}-tmp`), { recursive: true });
  const confPath = path.join(dir, `${name}.conf`);
  writeFileSync(confPath, config);
  // -e sends startup errors to our log instead of the system's /var/log/nginx; -p keeps relative paths in dir.
  const proc = start(`nginx ${name}`, nginxBinary, [
    '-p',
    dir,
    '-e',
    path.join(dir, `${name}-error.log`),
    '-c',
    confPath,
  ]);
  return untilListening(proc, port);
}
