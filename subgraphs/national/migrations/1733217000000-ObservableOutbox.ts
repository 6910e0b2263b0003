import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an operator needs to see inside national. A province step keeps the W3C trace context
 * (`traceparent`) of the request that enqueued it, so a step applied later by recovery is linked
 * to that request's trace. Each kept R23 figure row records when it was last written, so that the
 * age of the oldest row waiting to be folded (its session has ended) is the fold lag.
 */
export class ObservableOutbox1733217000000 implements MigrationInterface {
  name = 'ObservableOutbox1733217000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE province_step ADD COLUMN trace_context text;
      ALTER TABLE aid_figure ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
      ALTER TABLE wallet_figure ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
      ALTER TABLE quota_figure ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
      ${adders(true)}
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ${adders(false)}
      ALTER TABLE aid_figure DROP COLUMN written_at;
      ALTER TABLE wallet_figure DROP COLUMN written_at;
      ALTER TABLE quota_figure DROP COLUMN written_at;
      ALTER TABLE province_step DROP COLUMN trace_context;
    `);
  }
}

/** The adders of migration AidStatistics, stamping the row they write when `stamped`. */
function adders(stamped: boolean): string {
  const adder = (table: string, keys: Record<string, string>, sums: string[]) => {
    const columns = [...Object.keys(keys), ...sums];
    const parameters = [...Object.values(keys), ...sums.map(() => 'bigint')];
    const updates = [...sums.map((c) => `${c} = f.${c} + excluded.${c}`), ...(stamped ? ['written_at = now()'] : [])];
    return `CREATE OR REPLACE FUNCTION add_to_${table}(${parameters.join(', ')}) RETURNS void LANGUAGE sql AS $$
      INSERT INTO ${table} AS f (backend, ${columns.join(', ')}) VALUES (pg_backend_pid(), ${columns.map((_, i) => `$${i + 1}`).join(', ')})
      ON CONFLICT (backend, ${Object.keys(keys).join(', ')}) DO UPDATE SET ${updates.join(', ')} $$;`;
  };
  return [
    adder('aid_figure', { month: 'date', region: 'char(6)', donor_province: 'text' }, ['aid_count', 'aid_amount']),
    adder('wallet_figure', { month: 'date', region: 'char(6)' }, ['activated']),
    adder('quota_figure', { region: 'char(6)' }, ['outstanding']),
  ].join('\n');
}
