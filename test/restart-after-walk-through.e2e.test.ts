import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { madeIdentityProvider } from '../cluster/keys';
import { graphClient, type GraphClient, tokenRequest, type Who } from '../cluster/parties';
import { issueToken } from '../subgraphs/common/platform/auth/tokens';
import { pressCtrlC, type Running, script, start } from './support/run-script';
import { freeBase, portsOf, untilFree } from './support/start-ports';

/**
 * `npm start`, the README's walk-through of Mutual aid (steps 1 to 7: 张丽 moves from 河北 to 江苏),
 * Ctrl-C as in a terminal, and `npm start` again: the second start finds the demo it loaded before
 * and is ready. Neither stop logs an error: a shutdown is not one.
 */
const CLUSTER = script('cluster');
const dataRoot = mkdtempSync(join(tmpdir(), 'wallet-restart-'));
chmodSync(dataRoot, 0o755); // the embedded PostgreSQL runs as its own user when the tests run as root
const dataDir = join(dataRoot, 'data');
after(() => rmSync(dataRoot, { recursive: true, force: true }));

async function untilReady(base: number, running: Running): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline && running.child.exitCode === null) {
    const response = await fetch(`http://127.0.0.1:${base}/health`).catch(() => undefined);
    if (response?.status === 200) return;
    await sleep(200);
  }
  assert.fail(
    `npm start never became ready (exit ${running.child.exitCode}):\n${running.stdout().slice(-4000)}\n${running.stderr()}`,
  );
}

async function stopWithCtrlC(running: Running): Promise<void> {
  pressCtrlC(running);
  assert.equal(await running.exited, 0, running.stderr());
}

/** Lines of the services' logs (and the script's own) at level error or above. */
function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    const json = line.replace(/^\[[^\]]+\] /, '');
    if (!json.startsWith('{')) return false;
    try {
      return ['error', 'fatal'].includes((JSON.parse(json) as { level?: string }).level ?? '');
    } catch {
      return false;
    }
  });
}

/** What each start printed, up to its stop. */
const stopped: Record<string, string> = {};

test('after the whole walk-through and Ctrl-C, npm start is ready again with what the walk-through left', {
  timeout: 900_000,
}, async () => {
  const base = await freeBase(3);
  const args = ['--port', String(base), '--provinces', '32,13,51', '--data-dir', dataDir];
  const first = start(CLUSTER, args, {}, true);
  let second: Running | undefined;
  try {
    await untilReady(base, first);
    const identity = madeIdentityProvider(join(dataDir, 'keys'));
    assert.ok(identity);
    const as = (who: Who): GraphClient =>
      graphClient(`http://127.0.0.1:${base}/graphql`, () => issueToken(identity, tokenRequest(who)));
    const idOf = async (portal: string, idNumber: string) =>
      (
        (await as({ portal }).ok('query($n: String!) { memberByIdNumber(idNumber: $n) { id } }', { n: idNumber }))
          .memberByIdNumber as { id: string }
      ).id;
    const wuQiang = await idOf('32', '510105199003120031');
    const wuMin = await idOf('51', '510105196208050010');
    const zhangLi = await idOf('13', '130102198501010025');

    // The night window moved out of the way, as the README says to do at night.
    await as({ portal: '32' }).ok(`mutation { setTransferPolicy(input: { poolingRegion: "320500", dailyTransferLimit: 3,
      transferAmountLimit: "2000.00", nightWindowStart: "03:00", nightWindowEnd: "03:01" }) { code } }`);
    // 1. Register, as 伍强; 2. consent, as 伍敏; 3. quota, as 伍强; 4. accept, as 伍敏.
    const relationship = (
      await as({ member: wuQiang }).ok(
        `mutation($d: ID!, $b: ID!) { establishMutualAid(input: { donorId: $d, beneficiaryId: $b,
      relation: PARENT, channel: NATIONAL_APP, commitment: { version: "2024-v1", signedAt: "2026-11-01T09:00:00+08:00" } }) { id status } }`,
        { d: wuQiang, b: wuMin },
      )
    ).establishMutualAid.id as string;
    await as({ member: wuMin }).ok(
      `mutation($r: ID!) { confirmMutualAid(input: { relationshipId: $r, channel: NATIONAL_APP }) { status } }`,
      { r: relationship },
    );
    const transfer = (
      await as({ member: wuQiang }).ok(
        `mutation($r: ID!) { transferQuota(input: { relationshipId: $r, amount: "500.00",
      fundSource: CURRENT_YEAR, idempotencyKey: "wuqiang-2026-11-23-1" }) { id state } }`,
        { r: relationship },
      )
    ).transferQuota;
    assert.equal(transfer.state, 'COMMITTED');
    await as({ member: wuMin }).ok(`mutation($t: ID!) { acceptTransfer(transferId: $t) { acceptedAt } }`, {
      t: transfer.id,
    });
    // 5. Pay, as 伍敏: 236.00 at a hospital, then 300.00 at a pharmacy (264.00 from quota, 36.00 cash).
    const pay = (kind: string, category: string, amount: string, method: string, key: string) =>
      as({ member: wuMin }).ok(
        `mutation($b: ID!) { settleExpense(input: { beneficiaryId: $b,
        institution: { kind: ${kind}, name: "四川大学华西医院", poolingRegion: "510100" }, category: ${category}, amount: "${amount}",
        credential: { method: ${method}, holderId: $b }, idempotencyKey: "${key}" }) { quotaPaid cashPaid } }`,
        { b: wuMin },
      );
    assert.deepEqual(
      (await pay('DESIGNATED_HOSPITAL', 'OUTPATIENT', '236.00', 'E_CODE', 'huaxi-2026-11-23-0001')).settleExpense,
      { quotaPaid: '236.00', cashPaid: '0.00' },
    );
    assert.deepEqual(
      (await pay('DESIGNATED_RETAIL_PHARMACY', 'DRUGS', '300.00', 'FACE', 'pharmacy-2026-11-23-0002')).settleExpense,
      { quotaPaid: '264.00', cashPaid: '36.00' },
    );
    // 6. Look, as the dashboard.
    const reconciliation = (await as('dashboard').ok('{ reconciliation(province: "32") { balanced } }')).reconciliation;
    assert.deepEqual(reconciliation, { balanced: true });
    // 7. Move: 张丽 from 石家庄 (13) to 苏州 (32), as the portal of 13.
    const moved = (
      await as({ portal: '13' }).ok(
        `mutation($m: ID!) { changeInsurance(input: { memberId: $m, reason: MOVED, newPoolingRegion: "320500",
      idempotencyKey: "zhangli-moves-2026-11" }) { newMember { id } } }`,
        { m: zhangLi },
      )
    ).changeInsurance.newMember.id as string;

    await stopWithCtrlC(first);
    stopped.first = first.stdout() + first.stderr();
    await untilFree(portsOf(base, 3), 'the first start');

    second = start(CLUSTER, args, {}, true);
    await untilReady(base, second);
    assert.match(second.stdout(), /ready in/);
    assert.equal(await idOf('32', '130102198501010025'), moved, '张丽 is found where she moved, not enrolled again');
    assert.equal(await idOf('32', '510105199003120031'), wuQiang);
    const account = (
      await as({ member: wuQiang }).ok('query($id: ID!) { member(id: $id) { personalAccount { balance held } } }', {
        id: wuQiang,
      })
    ).member;
    assert.deepEqual(
      account.personalAccount,
      { balance: '15950.00', held: '0.00' },
      'nothing of the demo was credited twice',
    );
    await stopWithCtrlC(second);
    stopped.second = second.stdout() + second.stderr();
  } finally {
    for (const running of [first, second]) if (running?.child.exitCode === null) pressCtrlC(running);
    await Promise.all([first.exited, second?.exited]);
  }
});

test('Ctrl-C logs no error: stopping is not a failure', () => {
  assert.ok(stopped.first, 'the start and stop above ran');
  for (const [which, output] of Object.entries(stopped)) {
    assert.deepEqual(errorLines(output), [], `the ${which} stop logged errors`);
  }
});
