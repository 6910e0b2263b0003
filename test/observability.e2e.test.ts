import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { graphql } from '../cluster/graphql-client';
import {
  DISSOLVE,
  enrol,
  relate,
  startTestCluster,
  transfer,
  type TestCluster,
  type Who,
} from './support/cluster-fixture';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './support/otlp-receiver';
import { has, samples, scrape, total } from './support/prometheus-text';

/**
 * Seeing inside the platform: every service exports its spans over OTLP/HTTP (here to a receiver
 * inside the test, as a collector would get them), serves Prometheus metrics at /metrics and logs
 * one JSON line per request.
 */
let cluster: TestCluster;
let receiver: OtlpReceiver;
const lines: { service: string; line: string }[] = [];
let donor: string;
let beneficiary: string;
let relationshipId: string;

before(async () => {
  receiver = await startOtlpReceiver();
  cluster = await startTestCluster(
    ['32', '51'],
    undefined,
    { RECONCILIATION_INTERVAL_MS: '2000' },
    {
      serviceEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
      onOutput: (service, line) => lines.push({ service, line }),
    },
  );
  donor = await enrol(cluster, { region: '320500', currentYear: '800.00' });
  beneficiary = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  relationshipId = await relate(cluster, donor, beneficiary);
});

after(async () => {
  await cluster?.stop(); // first: the services flush their last spans to the receiver
  await receiver?.close();
});

const TRANSFER = `mutation TransferQuota($input: TransferQuotaInput!) { transferQuota(input: $input) { id state } }`;

/** Sends a request as `who` in a trace of the test's own (W3C traceparent); returns the trace id. */
async function traced(who: Who, query: string, variables: Record<string, unknown>) {
  const traceId = randomBytes(16).toString('hex');
  const parentSpanId = randomBytes(8).toString('hex');
  const response = await graphql(cluster.gatewayUrl, query, variables, {
    authorization: `Bearer ${await cluster.token(who)}`,
    traceparent: `00-${traceId}-${parentSpanId}-01`,
  });
  return { traceId, parentSpanId, response };
}

const inTrace = (spans: ReceivedSpan[], traceId: string) => spans.filter((s) => s.traceId === traceId);
const SERVER = 2;
const isSql = (s: ReceivedSpan) =>
  s.attributes['db.system.name'] === 'postgresql' && typeof s.attributes['db.query.text'] === 'string';

function requestLines(traceId: string): Map<string, Record<string, unknown>> {
  const found = new Map<string, Record<string, unknown>>();
  for (const { service, line } of lines) {
    if (!line.includes(traceId)) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg === 'request') found.set(service, entry);
  }
  return found;
}

test('one transfer through the gateway is one trace: the gateway, national, the donor’s province and their SQL', async () => {
  const { traceId, parentSpanId, response } = await traced({ member: donor }, TRANSFER, {
    input: { relationshipId, amount: '100.00', fundSource: 'CURRENT_YEAR', idempotencyKey: `observed-${Date.now()}` },
  });
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));

  const spans = await receiver.waitFor((all) => {
    const trace = inTrace(all, traceId);
    const complete =
      ['gateway', 'national', 'province-32'].every((service) =>
        trace.some((s) => s.service === service && s.kind === SERVER),
      ) && ['national', 'province-32'].every((service) => trace.some((s) => s.service === service && isSql(s)));
    return complete && trace;
  }, `the spans of trace ${traceId}`);

  assert.deepEqual(
    [...new Set(spans.map((s) => s.service))].sort(),
    ['gateway', 'national', 'province-32'],
    'the beneficiary’s province takes no part',
  );
  const gatewaySpan = spans.find((s) => s.service === 'gateway' && s.kind === SERVER);
  assert.equal(gatewaySpan?.name, 'mutation TransferQuota');
  assert.equal(gatewaySpan?.parentSpanId, parentSpanId, 'the gateway continues the caller’s trace');
  assert.ok(spans.some((s) => s.service === 'province-32' && s.kind === SERVER && s.name === 'internal placeHold'));
  assert.ok(
    spans.some(
      (s) =>
        s.service === 'national' && isSql(s) && String(s.attributes['db.query.text']).includes('INSERT INTO transfer'),
    ),
  );
  assert.ok(
    spans.some(
      (s) =>
        s.service === 'province-32' && isSql(s) && String(s.attributes['db.query.text']).includes('INSERT INTO hold'),
    ),
  );
  const ids = new Set([parentSpanId, ...spans.map((s) => s.spanId)]);
  const orphans = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  assert.deepEqual(
    orphans.map((s) => `${s.service} ${s.name}`),
    [],
    'every span hangs in the one tree under the caller’s span',
  );
  assert.doesNotMatch(JSON.stringify(spans), /eyJ|Bearer/i, 'no token in any span');

  // One log line per service for the request, with its trace id and no personal data.
  await receiver.waitFor(() => requestLines(traceId).size === 3, 'a request line of every service');
  const logged = requestLines(traceId);
  assert.deepEqual(
    { ...logged.get('gateway'), time: undefined, pid: undefined, durationMs: undefined },
    {
      level: 'info',
      service: 'gateway',
      traceId,
      kind: 'graphql',
      operation: 'TransferQuota',
      callerRole: 'MEMBER',
      callerProvince: '32',
      status: 200,
      msg: 'request',
      time: undefined,
      pid: undefined,
      durationMs: undefined,
    },
  );
  assert.equal(typeof logged.get('gateway')?.durationMs, 'number');
  assert.equal(logged.get('national')?.callerRole, 'MEMBER');
  assert.deepEqual(
    [
      logged.get('province 32')?.kind,
      logged.get('province 32')?.operation,
      logged.get('province 32')?.callerRole,
      logged.get('province 32')?.peer,
    ],
    ['internal', 'placeHold', 'SERVICE', 'national'],
  );
});

test('counters move as operations run: requests, refusals by code, durations, fetches per province', async () => {
  const read = async () => ({
    gateway: await scrape(cluster.gateway.baseUrl),
    national: await scrape(cluster.national.baseUrl),
    province: await scrape((cluster.provinces.get('32') as { baseUrl: string }).baseUrl),
  });
  const before = await read();
  const page = await cluster
    .as({ member: donor })
    .query(`query MemberPage($id: ID!) { member(id: $id) { personalAccount { balance } } }`, { id: donor });
  assert.equal(page.errors, undefined);
  const refused = await cluster.as({ member: donor }).query(TRANSFER, {
    input: { relationshipId, amount: '1500.00', fundSource: 'CURRENT_YEAR', idempotencyKey: `too-much-${Date.now()}` },
  });
  assert.equal(refused.errors?.[0]?.extensions?.code, 'INSUFFICIENT_BALANCE');
  const now = await read();
  const moved = (service: keyof typeof now, name: string, labels: Record<string, string | RegExp>) =>
    total(now[service], name, labels) - total(before[service], name, labels);

  assert.equal(moved('gateway', 'wallet_requests_total', { kind: 'graphql', operation: 'MemberPage' }), 1);
  assert.equal(moved('gateway', 'wallet_request_duration_seconds_count', { operation: 'MemberPage' }), 1);
  assert.equal(
    moved('gateway', 'wallet_request_errors_total', { operation: 'TransferQuota', code: 'INSUFFICIENT_BALANCE' }),
    1,
  );
  assert.equal(
    moved('gateway', 'wallet_subgraph_fetch_duration_seconds_count', {
      subgraph: 'province',
      province: '32',
      outcome: 'answered',
    }),
    1,
  );
  assert.ok(
    moved('gateway', 'wallet_subgraph_fetch_duration_seconds_count', { subgraph: 'national', outcome: 'answered' }) >=
      2,
  );
  // The gateway names the subgraphs' operations after the client's.
  assert.equal(
    moved('national', 'wallet_request_errors_total', { operation: /^TransferQuota/, code: 'INSUFFICIENT_BALANCE' }),
    1,
  );
  assert.equal(moved('province', 'wallet_requests_total', { kind: 'graphql', operation: /^MemberPage/ }), 1);

  for (const service of ['national', 'province'] as const) {
    assert.ok(
      has(now[service], 'wallet_db_pool_connections', { pool: 'main', state: 'in_use' }),
      `${service}: pool in use`,
    );
    assert.ok(has(now[service], 'wallet_db_pool_waiting', { pool: 'main' }), `${service}: pool waiting`);
  }
  // A kept-figure row of a database session that ended 90 s ago and has not been folded yet: the fold lag.
  await cluster.sql(
    '32',
    `INSERT INTO figure_row (backend, written_at) VALUES (2147483647, now() - interval '90 seconds')`,
  );
  const lagging = await scrape((cluster.provinces.get('32') as { baseUrl: string }).baseUrl);
  assert.ok(
    total(lagging, 'wallet_kept_figures_fold_lag_seconds', {
      table: 'figure_row',
      service: 'province',
      province: '32',
    }) >= 90,
  );
  assert.equal(total(lagging, 'wallet_kept_figures_unfolded_rows', { table: 'figure_row' }), 1);
  await cluster.sql('32', `SELECT fold_figure_rows()`);
  assert.equal(
    total(
      await scrape((cluster.provinces.get('32') as { baseUrl: string }).baseUrl),
      'wallet_kept_figures_fold_lag_seconds',
      { table: 'figure_row' },
    ),
    0,
  );
  assert.ok(has(now.national, 'wallet_kept_figures_fold_lag_seconds', { table: 'aid_figure' }));
  assert.ok(has(now.national, 'wallet_outbox_unapplied_steps', { province: '51' }));
  assert.ok(
    total(now.national, 'wallet_recovery_rounds_total', { outcome: 'completed' }) >= 1,
    'the recovery worker has run',
  );
  assert.ok(has(now.gateway, 'process_cpu_seconds_total'), 'Node’s own metrics too');
  // The gateway declares only what it records: no series of national's outbox or of kept figures.
  const declared = [...now.gateway.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name]) => name);
  const empty = declared.filter(
    (name) => !samples(now.gateway).some((s) => s.name === name || s.name.startsWith(`${name}_`)),
  );
  assert.deepEqual(empty, [], 'the gateway declares series it never records');
});

test('national reconciles every province by itself: /metrics reports each last reconciliation, balanced', async () => {
  const deadline = Date.now() + 120_000;
  let national = await scrape(cluster.national.baseUrl);
  while (!['32', '51'].every((province) => has(national, 'wallet_reconciliation_age_seconds', { province }))) {
    assert.ok(
      Date.now() < deadline,
      `no reconciliation of every province reported:\n${national
        .split('\n')
        .filter((l) => l.includes('reconciliation'))
        .join('\n')}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    national = await scrape(cluster.national.baseUrl);
  }
  for (const province of ['32', '51']) {
    assert.equal(
      total(national, 'wallet_reconciliation_differences', { province }),
      0,
      `province ${province} balanced`,
    );
    assert.equal(total(national, 'wallet_reconciliation_missing_entries', { province }), 0);
  }
});

test('a province taken down shows in the health metric and the outbox; a step applied later by recovery links back to its request', async () => {
  const healthy = async () =>
    total(await scrape(cluster.gateway.baseUrl), 'wallet_province_deployment_healthy', { province: '32' });
  const waitForHealth = async (value: number) => {
    const deadline = Date.now() + 60_000;
    while ((await healthy()) !== value) {
      assert.ok(Date.now() < deadline, `province 32 healthy = ${value} within a minute`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  assert.equal(await healthy(), 1);
  await cluster.kill('32');
  await waitForHealth(0);
  assert.equal(
    total(await scrape(cluster.gateway.baseUrl), 'wallet_province_deployment_state', {
      province: '32',
      state: 'unreachable',
    }),
    1,
  );

  // Dissolving returns the unused quota: a release step for 32, which cannot be applied now.
  const { traceId, response } = await traced({ member: donor }, DISSOLVE, {
    input: { relationshipId, channel: 'NATIONAL_APP' },
  });
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  const [step] = await cluster.sql<{ trace_context: string; applied_at: Date | null }>(
    'national',
    `SELECT trace_context, applied_at FROM province_step WHERE operation_id = $1`,
    [`dissolve:${relationshipId}`],
  );
  assert.match(
    step.trace_context,
    new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`),
    'the step keeps the trace context of its request',
  );
  assert.equal(step.applied_at, null);
  const national = await scrape(cluster.national.baseUrl);
  assert.equal(total(national, 'wallet_outbox_unapplied_steps', { province: '32' }), 1);
  assert.ok(total(national, 'wallet_outbox_oldest_step_age_seconds', { province: '32' }) > 0);

  await cluster.restart('32');
  await waitForHealth(1);
  await cluster.recover();
  const [applied] = await cluster.sql<{ applied_at: Date | null }>(
    'national',
    `SELECT applied_at FROM province_step WHERE operation_id = $1`,
    [`dissolve:${relationshipId}`],
  );
  assert.notEqual(applied.applied_at, null);

  // The span that applied it is in a trace of its own (recovery's), linked to the dissolving request's.
  const stepTrace = await receiver.waitFor((all) => {
    const applying = all.find(
      (s) =>
        s.name === 'province step releaseHold' &&
        s.traceId !== traceId &&
        s.links.some((l) => l.traceId === traceId) &&
        inTrace(all, s.traceId).some((p) => p.service === 'province-32' && p.name === 'internal releaseHold'),
    );
    return applying && inTrace(all, applying.traceId);
  }, 'the span of the step applied by recovery, linked to the request');
  assert.ok(
    stepTrace.some((s) => s.service === 'province-32' && isSql(s)),
    'with the province’s SQL',
  );

  const after = await scrape(cluster.national.baseUrl);
  assert.equal(total(after, 'wallet_outbox_unapplied_steps', { province: '32' }), 0);
  assert.ok(total(after, 'wallet_recovery_finished_total', { work: 'steps' }) >= 1);
  assert.ok(
    total(after, 'wallet_province_steps_total', { province: '32', action: 'releaseHold', outcome: 'applied' }) >= 1,
  );
  assert.ok(
    total(after, 'wallet_province_steps_total', { province: '32', action: 'releaseHold', outcome: 'unavailable' }) >= 1,
  );
  assert.equal(
    (await transfer(cluster, await relate(cluster, donor, beneficiary), '1.00')).errors,
    undefined,
    'the platform goes on',
  );
});
