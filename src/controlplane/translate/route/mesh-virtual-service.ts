// Which mesh VirtualService covers a service host: an exact host entry, else the most specific wildcard.
// Lists asked more than once (a route config asks once per service) get an index by exact host.
import { hostMatches, isWildcard } from '../../../api/host.js';
import type { IndexedVirtualService } from '../../model/snapshot.js';

/**
 * Hosts of a VirtualService list: the first VirtualService naming each exact host, and the entries that can
 * match other hosts (wildcards, and names with capitals, which match ignoring case), in list order.
 */
interface VirtualServiceHosts {
  exact: Map<string, IndexedVirtualService>;
  others: { vs: IndexedVirtualService; host: string }[];
}

/** Per list: `null` once asked (a second question builds the index), then the index. */
const hostIndexes = new WeakMap<readonly IndexedVirtualService[], VirtualServiceHosts | null>();

function hostIndex(list: readonly IndexedVirtualService[]): VirtualServiceHosts | undefined {
  const known = hostIndexes.get(list);
  if (known) return known;
  if (known === undefined) {
    hostIndexes.set(list, null); // one question: a scan is cheaper than an index
    return undefined;
  }
  const index: VirtualServiceHosts = { exact: new Map(), others: [] };
  for (const vs of list) {
    for (const h of vs.hosts) {
      if (!index.exact.has(h)) index.exact.set(h, vs);
      if (isWildcard(h) || h !== h.toLowerCase()) index.others.push({ vs, host: h });
    }
  }
  hostIndexes.set(list, index);
  return index;
}

/** The original rule over the whole list: the first exact entry, else the longest (first) matching one. */
function scan(list: readonly IndexedVirtualService[], host: string): IndexedVirtualService | undefined {
  let best: IndexedVirtualService | undefined;
  let bestLen = -1;
  for (const vs of list) {
    for (const h of vs.hosts) {
      if (h === host) return vs;
      if (hostMatches(h, host) && h.length > bestLen) {
        best = vs;
        bestLen = h.length;
      }
    }
  }
  return best;
}

/**
 * The mesh VirtualService for a host: an exact host entry wins over the most specific wildcard (the first
 * one listed among equally long ones).
 */
export function virtualServiceFor(
  list: readonly IndexedVirtualService[],
  host: string,
): IndexedVirtualService | undefined {
  const index = hostIndex(list);
  // A host with capitals can equal any entry ignoring case: the full rule.
  if (!index || host !== host.toLowerCase()) return scan(list, host);
  const exact = index.exact.get(host);
  if (exact) return exact;
  // A lower-case host is matched only by wildcards and by names equal ignoring case (in `others`).
  let best: IndexedVirtualService | undefined;
  let bestLen = -1;
  for (const c of index.others) {
    if (hostMatches(c.host, host) && c.host.length > bestLen) {
      best = c.vs;
      bestLen = c.host.length;
    }
  }
  return best;
}
