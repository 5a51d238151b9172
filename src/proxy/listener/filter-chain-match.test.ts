// Unit tests for filter chain selection: each criterion narrows to the most specific match and falls back
// to chains that leave it unset, in Envoy's order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FilterChainMatch } from '../config/listener.js';
import { type ConnectionFacts, selectFilterChain } from './filter-chain-match.js';

function m(over: Partial<FilterChainMatch>): FilterChainMatch {
  return { prefixRanges: [], sourcePrefixRanges: [], serverNames: [], applicationProtocols: [], ...over };
}
function facts(over: Partial<ConnectionFacts>): ConnectionFacts {
  return {
    destinationPort: 80,
    destinationIp: '10.0.0.1',
    sourceIp: '10.1.0.1',
    serverName: '',
    transportProtocol: 'raw_buffer',
    applicationProtocols: [],
    ...over,
  };
}

describe('selectFilterChain', () => {
  const chains = [
    { match: m({ destinationPort: 8080 }), value: 'port-8080' },
    { match: m({ serverNames: ['api.example.com'], transportProtocol: 'tls' }), value: 'sni-exact' },
    { match: m({ serverNames: ['*.example.com'], transportProtocol: 'tls' }), value: 'sni-wildcard' },
    { match: m({ transportProtocol: 'tls' }), value: 'tls-any' },
    { match: m({ applicationProtocols: ['h2c'] }), value: 'h2c' },
    { match: m({ applicationProtocols: ['http/1.1', 'http/1.0'] }), value: 'http1' },
    { match: m({}), value: 'any' },
  ];
  it('matches destination port first', () => {
    assert.equal(
      selectFilterChain(chains, facts({ destinationPort: 8080, transportProtocol: 'tls' })),
      'port-8080',
    );
  });
  it('prefers an exact server name over a wildcard over none', () => {
    const tls = { transportProtocol: 'tls' };
    assert.equal(selectFilterChain(chains, facts({ ...tls, serverName: 'api.example.com' })), 'sni-exact');
    assert.equal(selectFilterChain(chains, facts({ ...tls, serverName: 'www.example.com' })), 'sni-wildcard');
    assert.equal(selectFilterChain(chains, facts({ ...tls, serverName: 'other.org' })), 'tls-any');
  });
  it('matches application protocols and falls back to the unset chain', () => {
    assert.equal(selectFilterChain(chains, facts({ applicationProtocols: ['h2c'] })), 'h2c');
    assert.equal(selectFilterChain(chains, facts({ applicationProtocols: ['http/1.0'] })), 'http1');
    assert.equal(selectFilterChain(chains, facts({ applicationProtocols: ['other'] })), 'any');
  });
  it('prefers the longest matching destination range, before later criteria (no backtracking)', () => {
    const ranged = [
      { match: m({ prefixRanges: ['10.0.0.0/8'] }), value: 'wide' },
      { match: m({ prefixRanges: ['10.0.0.0/24'], applicationProtocols: ['istio'] }), value: 'narrow' },
      { match: m({}), value: 'any' },
    ];
    assert.equal(selectFilterChain(ranged, facts({ applicationProtocols: ['istio'] })), 'narrow');
    assert.equal(selectFilterChain(ranged, facts({ destinationIp: '10.9.0.1' })), 'wide');
    assert.equal(selectFilterChain(ranged, facts({ destinationIp: '192.168.0.1' })), 'any');
    assert.equal(
      selectFilterChain(ranged, facts({})),
      undefined,
      'the /24 chain wins the range step, then fails ALPN',
    );
  });
  it('returns undefined when nothing matches', () => {
    assert.equal(selectFilterChain([{ match: m({ destinationPort: 1 }), value: 'x' }], facts({})), undefined);
  });
});
