// /stats text and JSON forms, histogram quantile summaries and intervals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateQuantiles } from './quantiles.js';
import { StatsStore } from './store.js';
import { renderStatsJson, renderStatsText } from './text.js';

test('counters and gauges merge in name order, histograms follow', () => {
  const store = new StatsStore();
  store.counter('cluster.b.upstream_rq_total').inc(3);
  store.gauge('cluster.a.upstream_cx_active').set(2);
  store.counter('cluster.a.upstream_cx_total').inc();
  store.histogram('cluster.a.upstream_rq_time');
  assert.equal(
    renderStatsText(store),
    'cluster.a.upstream_cx_active: 2\n' +
      'cluster.a.upstream_cx_total: 1\n' +
      'cluster.b.upstream_rq_total: 3\n' +
      'cluster.a.upstream_rq_time: No recorded values\n',
  );
});

test('a histogram prints P0..P100 as (interval,cumulative), nan before an interval closes', () => {
  const store = new StatsStore();
  const h = store.histogram('http.in.downstream_rq_time');
  for (const v of [1, 2, 3, 4, 100]) h.record(v);
  const line = renderStatsText(store, { type: 'Histograms' });
  assert.match(line, /^http\.in\.downstream_rq_time: P0\(nan,1\) P25\(nan,[\d.]+\) P50\(nan,[\d.]+\) /);
  assert.ok(line.includes(' P99.5(nan,'));
  assert.ok(line.trimEnd().endsWith('P100(nan,100)'));
  store.flushIntervals();
  h.record(7);
  store.flushIntervals();
  const after = renderStatsText(store, { type: 'Histograms' });
  assert.ok(after.includes('P0(7,1)'));
  assert.ok(after.trimEnd().endsWith('P100(7,100)'));
});

test('quantile estimates stay inside the bucket holding the rank and within [min, max]', () => {
  // 100 samples in (10, 25]: the median interpolates to the middle of the bucket clamped to the samples.
  const bounds = [10, 25, 50];
  const q = estimateQuantiles([0, 100, 0, 0], bounds, 12, 20, [0, 0.5, 1]);
  assert.equal(q[0], 12);
  assert.equal(q[2], 20);
  assert.ok(q[1] > 12 && q[1] < 20);
  assert.ok(estimateQuantiles([0, 0, 0, 0], bounds, 0, 0).every(Number.isNaN));
});

test('filter, usedonly and JSON form', () => {
  const store = new StatsStore();
  store.counter('cluster.a.upstream_rq_total').inc(5);
  store.counter('cluster.a.upstream_rq_timeout');
  store.histogram('cluster.a.upstream_rq_time').record(3);
  assert.equal(
    renderStatsText(store, { filter: (n) => n.includes('rq_total') }),
    'cluster.a.upstream_rq_total: 5\n',
  );
  assert.ok(!renderStatsText(store, { usedOnly: true }).includes('timeout'));
  const json = JSON.parse(renderStatsJson(store)) as { stats: Record<string, unknown>[] };
  assert.deepEqual(json.stats[0], { name: 'cluster.a.upstream_rq_timeout', value: 0 });
  const hist = json.stats[2].histograms as {
    supported_quantiles: number[];
    computed_quantiles: { name: string; values: { interval: number | null; cumulative: number | null }[] }[];
  };
  assert.deepEqual(hist.supported_quantiles, [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100]);
  assert.equal(hist.computed_quantiles[0].name, 'cluster.a.upstream_rq_time');
  assert.deepEqual(hist.computed_quantiles[0].values[0], { interval: null, cumulative: 3 });
});

test('histogram_buckets prints bucket counts per bound, cumulative or disjoint', () => {
  const store = new StatsStore();
  const h = store.histogram('h', [1, 5, 10]);
  for (const v of [0.5, 3, 4, 20]) h.record(v);
  assert.equal(renderStatsText(store, { histogramBuckets: 'cumulative' }), 'h: B1(0,1) B5(0,3) B10(0,3)\n');
  assert.equal(renderStatsText(store, { histogramBuckets: 'disjoint' }), 'h: B1(0,1) B5(0,2) B10(0,0)\n');
});
