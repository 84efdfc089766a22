import type { Sql } from '../../src/store/database.js';
import { waitFor } from './wait-for.js';

/** Waits until the worker has finished answering a delivery (its row says 'answered'). */
export async function waitForAnswer(sql: Sql, deliveryId: string, timeoutMs?: number): Promise<void> {
  await waitFor(
    `the answer to ${deliveryId}`,
    async () => {
      const [row] = await sql`select status from inbound_deliveries where id = ${deliveryId}`;
      return row?.status === 'answered';
    },
    timeoutMs,
  );
}
