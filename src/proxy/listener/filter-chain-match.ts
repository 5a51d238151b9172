// Envoy's filter chain selection: narrow the chains criterion by criterion (destination port, destination
// IP range, server name, transport protocol, application protocols, source IP range), preferring at each
// step the most specific match and falling back to chains that leave the criterion unset.
import net from 'node:net';
import type { FilterChainMatch } from '../config/listener.js';

export interface ConnectionFacts {
  destinationPort: number;
  destinationIp: string;
  sourceIp: string;
  serverName: string;
  transportProtocol: string;
  applicationProtocols: readonly string[];
}

interface Candidate<T> {
  match: FilterChainMatch;
  value: T;
}

/** Longest matching prefix length of `ip` within `ranges` (`addr/len`), -1 when none match. */
function longestPrefix(ranges: readonly string[], ip: string): number {
  let best = -1;
  const bare = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  const fam = net.isIPv6(bare) ? 'ipv6' : 'ipv4';
  for (const r of ranges) {
    const slash = r.indexOf('/');
    const addr = slash < 0 ? r : r.slice(0, slash);
    const len = slash < 0 ? (net.isIPv6(addr) ? 128 : 32) : Number(r.slice(slash + 1));
    if ((net.isIPv6(addr) ? 'ipv6' : 'ipv4') !== fam) continue;
    const list = new net.BlockList();
    try {
      list.addSubnet(addr, len, fam);
    } catch {
      continue;
    }
    if (list.check(bare, fam) && len > best) best = len;
  }
  return best;
}

function narrow<T>(cands: Candidate<T>[], score: (m: FilterChainMatch) => number): Candidate<T>[] {
  // score: > 0 specific match (higher wins), 0 criterion unset, < 0 no match
  let best = -1;
  for (const c of cands) best = Math.max(best, score(c.match));
  if (best < 0) return [];
  return cands.filter((c) => score(c.match) === best);
}

function serverNameScore(names: readonly string[], sni: string): number {
  if (names.length === 0) return 0;
  if (sni === '') return -1;
  let best = -1;
  for (const n of names) {
    const name = n.toLowerCase();
    if (name === sni) return 100_000;
    if (name.startsWith('*.') && sni.endsWith(name.slice(1)) && name.length > best) best = name.length;
  }
  return best;
}

/** The value of the best-matching chain, or undefined when none matches. */
export function selectFilterChain<T>(chains: readonly Candidate<T>[], f: ConnectionFacts): T | undefined {
  let c = [...chains];
  c = narrow(c, (m) =>
    m.destinationPort === undefined ? 0 : m.destinationPort === f.destinationPort ? 1 : -1,
  );
  c = narrow(c, (m) =>
    m.prefixRanges.length === 0 ? 0 : longestPrefix(m.prefixRanges, f.destinationIp) + 1 || -1,
  );
  c = narrow(c, (m) => serverNameScore(m.serverNames, f.serverName));
  c = narrow(c, (m) =>
    m.transportProtocol === undefined || m.transportProtocol === ''
      ? 0
      : m.transportProtocol === f.transportProtocol
        ? 1
        : -1,
  );
  c = narrow(c, (m) =>
    m.applicationProtocols.length === 0
      ? 0
      : m.applicationProtocols.some((p) => f.applicationProtocols.includes(p))
        ? 1
        : -1,
  );
  c = narrow(c, (m) =>
    m.sourcePrefixRanges.length === 0 ? 0 : longestPrefix(m.sourcePrefixRanges, f.sourceIp) + 1 || -1,
  );
  return c.length > 0 ? c[0].value : undefined;
}
