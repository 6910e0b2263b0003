import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, printReport, runChaos } from '../chaos/run';

const HELP = `npm run chaos -- [options]   a fault-injection run on a cluster of its own

  --operations 10000     random money operations (transfers, acceptances, settlements, premiums,
                         refunds, dissolutions, insurance endings and moves, settlements racing a
                         move, credits to moved memberships, contributions, own spending, replays)
  --callers 16           callers acting at once, each on families of its own
  --kills 12             SIGKILLs at random moments of provinces, national and the gateway,
                         besides one crash at every CRASH_AT point
  --crash-points all     crash once at every CRASH_AT point (or a number: that many, chosen at random)
  --provinces 32,13,51   provinces of the cluster
  --seed 20241201        the seed of the operation mix
  --network              also across a broken network: 20 ms (±10) of round trip on every link
                         between deployments, and black holes, one-way cuts, resets and a database
                         cut of 5–30 s each (see docs/network.md)
  --network-faults 8     how many of those (with --network)
  --replicas 1           copies of every service (gateway, national, each province) behind one
                         address each; every kill and crash is then one copy's, and requests sent
                         while a copy is down must be answered by the others

It prints what it did and "N passed, N failed"; the exit code is 1 when a check failed.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      operations: { type: 'string', default: String(DEFAULT_OPTIONS.operations) },
      callers: { type: 'string', default: String(DEFAULT_OPTIONS.callers) },
      kills: { type: 'string', default: String(DEFAULT_OPTIONS.kills) },
      'crash-points': { type: 'string', default: 'all' },
      provinces: { type: 'string', default: DEFAULT_OPTIONS.provinces.join(',') },
      seed: { type: 'string', default: String(DEFAULT_OPTIONS.seed) },
      network: { type: 'boolean', default: false },
      'network-faults': { type: 'string', default: '8' },
      replicas: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(HELP);
  const whole = (name: string, text: string, min: number) => {
    if (!/^\d+$/.test(text) || Number(text) < min)
      throw new Error(`--${name} takes a whole number of at least ${min}, not "${text}"`);
    return Number(text);
  };
  const report = await runChaos({
    ...DEFAULT_OPTIONS,
    operations: whole('operations', values.operations, 1),
    callers: whole('callers', values.callers, 1),
    kills: whole('kills', values.kills, 0),
    crashPoints: values['crash-points'] === 'all' ? 'all' : whole('crash-points', values['crash-points'], 0),
    provinces: values.provinces.split(',').map((s) => s.trim()),
    seed: whole('seed', values.seed, 0),
    networkFaults: values.network ? whole('network-faults', values['network-faults'], 0) : undefined,
    replicas: whole('replicas', values.replicas, 1),
  });
  printReport(report, console.log);
  // Not process.exitCode: the embedded PostgreSQL's exit hook ends the process with 0 at beforeExit.
  process.exit(report.failed === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
