import { Client } from 'pg';

/**
 * The bulk load writes personal data past the services, in plain text; each deployment seals it in
 * the background (PII_RESEAL_INTERVAL_MS). Nothing is measured before that work is over: it would
 * be counted in every figure. Resolves with the seconds waited.
 */
export async function waitUntilSealed(
  databaseUrls: Record<string, string>,
  provinces: string[],
  timeoutMs = 30 * 60_000,
): Promise<number> {
  const started = Date.now();
  const plainLeft: [string, string][] = [
    [
      databaseUrls.national,
      `SELECT (SELECT count(*) FROM person WHERE length(id_number) <> 64)
            + (SELECT count(*) FROM wallet WHERE phone IS NOT NULL) AS n`,
    ],
    ...provinces.map((p): [string, string] => [
      databaseUrls[p],
      'SELECT count(*) AS n FROM member WHERE id_number IS NOT NULL',
    ]),
  ];
  for (const [url, text] of plainLeft) {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      while (Number((await client.query<{ n: string }>(text)).rows[0].n) > 0) {
        if (Date.now() - started > timeoutMs) throw new Error('the bulk-loaded personal data was not sealed in time');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await client.end();
    }
  }
  return (Date.now() - started) / 1000;
}
