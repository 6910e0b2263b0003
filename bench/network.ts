import { parseArgs } from 'node:util';
import { type GraphClient, graphClient, type Who } from '../cluster/parties';
import { beijingTime, type Cluster, idNumber, startTestCluster } from '../testing';
import { deadlines } from '../subgraphs/common/platform/http/deadlines';
import { MEMBER_PAGE, TRANSFER } from './operations';

/**
 * `npm run bench:network`: what a WAN costs each operation. One caller; the same operations first
 * with no added latency, then with `--rtt` ms of round trip on every link between deployments
 * (gateway → national, gateway → each province, national → each province; not the databases).
 * Each p50 is printed as round trips (p50 ÷ RTT) beside the run without latency, and the added time
 * divided by the RTT: the sequential WAN round trips of the operation, counting the gateway's.
 * Then the dashboard's fan-out to every province with one province black-holed, against its
 * budget (PROVINCE_CALL_TIMEOUT_MS). A small cluster of its own; nothing else runs with it.
 */
const { values } = parseArgs({
  options: {
    rtt: { type: 'string', default: '30' },
    samples: { type: 'string', default: '25' },
    provinces: { type: 'string', default: '32,51,13' },
  },
});
const RTT = Number(values.rtt);
const SAMPLES = Number(values.samples);
const PROVINCES = values.provinces === 'all' ? 'all' : values.provinces.split(',');
const log = (line: string) => console.log(line);

const ENROL = `mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`;
const CREDIT = `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`;
const ACTIVATE = `mutation($input: ActivateWalletInput!) { activateWallet(input: $input) { activatedAt } }`;
const ESTABLISH = `mutation($input: EstablishMutualAidInput!) { establishMutualAid(input: $input) { id } }`;
const CONFIRM = `mutation($input: ConfirmMutualAidInput!) { confirmMutualAid(input: $input) { id } }`;
const ACCEPT = `mutation($id: ID!) { acceptTransfer(transferId: $id) { id } }`;
const POLICY = `mutation($input: TransferPolicyInput!) { setTransferPolicy(input: $input) { code } }`;
const SETTLE = `mutation($input: SettleExpenseInput!) { settleExpense(input: $input) { state quotaPaid } }`;
const FIGURES = `{ provinces(connectedOnly: true, page: { first: 40 }) { edges { node { code memberCount } } } }`;

let serial = 0;
const nextKey = (label: string) => `net-bench-${label}-${process.pid}-${++serial}`;

async function clientOf(cluster: Cluster, who: Who): Promise<GraphClient> {
  const token = await cluster.token(who);
  return graphClient(cluster.gatewayUrl, async () => token);
}

async function member(cluster: Cluster, region: string, type: 'EMPLOYEE' | 'RESIDENT', n: number): Promise<string> {
  const portal = await clientOf(cluster, { portal: region.slice(0, 2) });
  const { enrollMember } = await portal.ok(ENROL, {
    input: {
      idNumber: idNumber(`11010119800101${String(n).padStart(3, '0')}`),
      name: '测试',
      insuranceType: type,
      poolingRegion: region,
    },
  });
  if (type === 'EMPLOYEE')
    await portal.ok(CREDIT, {
      input: {
        memberId: enrollMember.id,
        fundSource: 'CURRENT_YEAR',
        amount: '50000.00',
        idempotencyKey: nextKey('credit'),
      },
    });
  await (await clientOf(cluster, { member: enrollMember.id })).ok(ACTIVATE, {
    input: { memberId: enrollMember.id, phone: '13912345678', placeOfUse: region },
  });
  return enrollMember.id as string;
}

const p50 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

async function timeEach(run: () => Promise<void>): Promise<number> {
  await run(); // warm: connections open, statements prepared
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return p50(samples);
}

async function main(): Promise<void> {
  const clock = beijingTime('10:00:00');
  log(
    `starting a cluster of provinces ${PROVINCES === 'all' ? 'all 31' : PROVINCES.join(', ')} with a fault proxy on every link`,
  );
  const cluster = await startTestCluster({
    provinces: PROVINCES,
    clock,
    faultLinks: true,
    healthCheckIntervalMs: 10_000,
  });
  try {
    const codes = [...cluster.provinces.keys()];
    for (const [code, region] of [
      ['32', '320500'],
      ['51', '510100'],
    ]) {
      await (await clientOf(cluster, { portal: code })).ok(POLICY, {
        input: {
          poolingRegion: region,
          dailyTransferLimit: 1000,
          transferAmountLimit: '2000.00',
          nightWindowStart: '03:00',
          nightWindowEnd: '03:01',
        },
      });
    }
    const donor = await member(cluster, '320500', 'EMPLOYEE', 1);
    const beneficiary = await member(cluster, '510100', 'RESIDENT', 2);
    const asDonor = await clientOf(cluster, { member: donor });
    const asBeneficiary = await clientOf(cluster, { member: beneficiary });
    const signedAt = new Date(clock.getTime() - 3_600_000).toISOString();
    const { establishMutualAid } = await asDonor.ok(ESTABLISH, {
      input: {
        donorId: donor,
        beneficiaryId: beneficiary,
        relation: 'PARENT',
        channel: 'NATIONAL_APP',
        commitment: { version: '2024-v1', signedAt },
      },
    });
    const relationshipId = establishMutualAid.id as string;
    await asBeneficiary.ok(CONFIRM, { input: { relationshipId, channel: 'NATIONAL_APP' } });
    const funding = await asDonor.ok(TRANSFER, {
      input: { relationshipId, amount: '1500.00', fundSource: 'CURRENT_YEAR', idempotencyKey: nextKey('fund') },
    });
    await asBeneficiary.ok(ACCEPT, { id: funding.transferQuota.id });

    const operations: [string, () => Promise<void>][] = [
      [
        'transfer',
        async () => {
          const data = await asDonor.ok(TRANSFER, {
            input: { relationshipId, amount: '1.00', fundSource: 'CURRENT_YEAR', idempotencyKey: nextKey('transfer') },
          });
          if (data.transferQuota.state !== 'COMMITTED') throw new Error(`transfer ${data.transferQuota.state}`);
        },
      ],
      [
        'settlement',
        async () => {
          const input = {
            beneficiaryId: beneficiary,
            institution: { kind: 'DESIGNATED_HOSPITAL', name: '定点医院', poolingRegion: '510100' },
            category: 'OUTPATIENT',
            amount: '1.00',
            credential: { method: 'E_CODE', holderId: beneficiary },
            idempotencyKey: nextKey('settle'),
          };
          const data = await asBeneficiary.ok(SETTLE, { input });
          if (data.settleExpense.quotaPaid !== '1.00')
            throw new Error(`settlement paid ${data.settleExpense.quotaPaid} from quota`);
        },
      ],
      ['member page', async () => void (await asDonor.ok(MEMBER_PAGE, { id: donor }))],
    ];
    const wan = [
      ['gateway', 'national'],
      ...codes.flatMap((c) => [
        ['gateway', c],
        ['national', c],
      ]),
    ];
    const setLatency = (ms: number) => wan.forEach(([from, to]) => cluster.link(from, to).delay(ms));

    const results: { name: string; flat: number; wan: number }[] = [];
    for (const [name, run] of operations) {
      setLatency(0);
      const flat = await timeEach(run);
      setLatency(RTT);
      results.push({ name, flat, wan: await timeEach(run) });
    }
    log('');
    log(`one caller, p50 of ${SAMPLES}; ${RTT} ms of round trip on every link between deployments`);
    log(
      `${'operation'.padEnd(14)}${'no latency'.padStart(12)}${`${RTT} ms RTT`.padStart(12)}${'p50 ÷ RTT'.padStart(11)}${'added ÷ RTT'.padStart(13)}`,
    );
    for (const r of results) {
      log(
        `${r.name.padEnd(14)}${`${r.flat.toFixed(1)} ms`.padStart(12)}${`${r.wan.toFixed(1)} ms`.padStart(12)}${(r.wan / RTT).toFixed(2).padStart(11)}${((r.wan - r.flat) / RTT).toFixed(2).padStart(13)}`,
      );
    }

    const silent = codes.find((c) => c !== '32') ?? codes[0];
    const dashboard = await clientOf(cluster, 'dashboard');
    cluster.link('gateway', silent).blackhole();
    const fanOut: number[] = [];
    for (let i = 0; i < 8; i++) {
      const started = Date.now();
      const response = await dashboard.query(FIGURES);
      fanOut.push(Date.now() - started);
      if (!response.errors?.some((e) => e.extensions?.province === silent))
        throw new Error(`no error for the silent province ${silent}`);
    }
    cluster.healAll();
    const budget = deadlines().provinceCallMs;
    log('');
    log(
      `fan-out to ${codes.length} provinces with ${silent} black-holed (budget ${budget} ms, PROVINCE_CALL_TIMEOUT_MS):`,
    );
    log(
      `  first ${fanOut[0]} ms (${((fanOut[0] / budget) * 100).toFixed(0)} % of the budget), then ${fanOut
        .slice(1)
        .map((ms) => `${ms}`)
        .join(', ')} ms (the breaker fails it fast once open)`,
    );
  } finally {
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
