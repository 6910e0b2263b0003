import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_OPTIONS, printReport, runChaos } from '../chaos/run';
import type { Cluster } from '../cluster/cluster';
import { DEMO_PEOPLE, demoPhone, loadDemoData } from '../cluster/demo-data';
import { graphql } from '../cluster/graphql-client';
import type { Who } from '../cluster/parties';
import { beijingTime } from './support/cluster-fixture';
import { personalDataIn } from './support/log-privacy';

/**
 * The short fault-injection run (`npm run chaos` is the long one): about a thousand random money
 * operations with copies and replays, while each service is SIGKILLed once and a few CRASH_AT points
 * are hit; then every check against the model of acknowledged answers must pass (R20, R21, R28, R30).
 * Before it, the demo families are loaded and their personal data read and sent every way a
 * client may send it; afterwards no line any service wrote holds it, nor any ID number, phone
 * number or token, and every line is a JSON log entry.
 */
test('a short chaos run: every check against the model of acknowledged answers passes, and no log line holds personal data', {
  timeout: 15 * 60_000,
}, async () => {
  const lines: string[] = [];
  const serviceLines: { service: string; line: string }[] = [];
  const report = await runChaos({
    ...DEFAULT_OPTIONS,
    operations: 1000,
    callers: 8,
    familiesPerCaller: 4,
    kills: 5,
    crashPoints: 4,
    log: (line) => lines.push(line),
    serviceOutput: (service, line) => serviceLines.push({ service, line }),
    prepare: walkTheDemo,
  });
  printReport(report, (line) => lines.push(line));
  assert.equal(report.failed, 0, lines.join('\n'));
  assert.ok(report.faults.filter((f) => f.killed).length >= 5, 'each service was killed at least once');

  assert.ok(
    serviceLines.filter(({ line }) => line.includes('"msg":"request"')).length > report.operations,
    'a line per request',
  );
  const leaks = serviceLines.flatMap(({ service, line }) =>
    personalDataIn(line).map((what) => `${service}: ${what} in ${line.slice(0, 120)}…`),
  );
  assert.deepEqual(leaks.slice(0, 20), [], `${leaks.length} lines hold personal data or a token`);
  const notJson = serviceLines
    .filter(({ line }) => !isLogEntry(line))
    .map(({ service, line }) => `${service}: ${line.slice(0, 200)}`);
  assert.deepEqual(notJson.slice(0, 20), [], 'every line a JSON log entry');
});

function isLogEntry(line: string): boolean {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return typeof entry.level === 'string' && typeof entry.msg === 'string' && typeof entry.service === 'string';
  } catch {
    return false;
  }
}

/**
 * The demo families loaded, and their personal data sent and read as clients do: ID numbers in
 * variables, in the query text and in a GET query string, names and phone numbers in mutations,
 * refusals that concern them, and tokens good and bad.
 */
async function walkTheDemo(cluster: Cluster): Promise<void> {
  const provinces = [...cluster.provinces.keys()];
  const ids = await loadDemoData(cluster.gatewayUrl, provinces, cluster.identity);
  const as = async (who: Who, query: string, variables: Record<string, unknown> = {}) =>
    graphql(cluster.gatewayUrl, query, variables, { authorization: `Bearer ${await cluster.token(who)}` });
  for (const person of DEMO_PEOPLE) {
    const portal = { portal: person.poolingRegion.slice(0, 2) };
    await as(
      portal,
      `query FindMember($n: String!) { memberByIdNumber(idNumber: $n) { id name idNumber wallet { maskedPhone } } }`,
      { n: person.idNumber },
    );
    await as(portal, `{ memberByIdNumber(idNumber: "${person.idNumber}") { name personalAccount { balance } } }`);
    await as(
      { member: ids[person.key] },
      `query Own($id: ID!) { member(id: $id) { name idNumber wallet { maskedPhone } } }`,
      { id: ids[person.key] },
    );
    const wrongCheck = `${person.idNumber.slice(0, 17)}${person.idNumber[17] === '0' ? '1' : '0'}`;
    await as(
      portal,
      `mutation { enrollMember(input: { idNumber: "${wrongCheck}", name: "${person.name}", insuranceType: RESIDENT,
      poolingRegion: "${person.poolingRegion}" }) { id } }`,
    );
    await as(
      { member: ids[person.key] },
      `mutation Phone($input: ActivateWalletInput!) { activateWallet(input: $input) { activatedAt } }`,
      {
        input: { memberId: ids[person.key], phone: demoPhone(person), placeOfUse: person.poolingRegion },
      },
    );
  }
  const portal32 = await cluster.token({ portal: '32' });
  const get = new URL(cluster.gatewayUrl);
  get.searchParams.set('query', `{ memberByIdNumber(idNumber: "${DEMO_PEOPLE[0].idNumber}") { name } }`);
  await fetch(get, { headers: { authorization: `Bearer ${portal32}`, 'apollo-require-preflight': 'true' } });
  await fetch(cluster.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${portal32}x` },
    body: '{"query":"{ __typename }"}',
  });
  // 伍强 aids his father 伍敏, who confirms; then he names himself (refused: SELF_AID_FORBIDDEN).
  const letter = { version: '2024-v1', signedAt: beijingTime('09:00:00').toISOString() };
  const established = await as(
    { member: ids.wuQiang },
    `mutation Aid($input: EstablishMutualAidInput!) { establishMutualAid(input: $input) { id } }`,
    {
      input: {
        donorId: ids.wuQiang,
        beneficiaryId: ids.wuMin,
        relation: 'PARENT',
        channel: 'NATIONAL_APP',
        commitment: letter,
      },
    },
  );
  const relationshipId = (established.data?.establishMutualAid as { id: string } | undefined)?.id;
  await as(
    { member: ids.wuMin },
    `mutation Confirm($input: ConfirmMutualAidInput!) { confirmMutualAid(input: $input) { status } }`,
    {
      input: { relationshipId, channel: 'NATIONAL_APP' },
    },
  );
  await as(
    { member: ids.wuQiang },
    `mutation Aid($input: EstablishMutualAidInput!) { establishMutualAid(input: $input) { id } }`,
    {
      input: {
        donorId: ids.wuQiang,
        beneficiaryId: ids.wuQiang,
        relation: 'SIBLING',
        channel: 'NATIONAL_APP',
        commitment: letter,
      },
    },
  );
}
