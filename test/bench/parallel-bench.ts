/*
 * Parallel skill benchmark: how long a `parallel` run of 4 sub-tasks takes when each sub-task's model reply takes 1 s,
 * with one worker process running 1 sub-task at a time versus 4. Real pipeline, BullMQ flow, Postgres, Redis and
 * Anthropic SDK; the fake model plans and merges at once, so the difference is the sub-tasks' concurrency.
 *
 *   npm run bench:parallel [-- --runs 3 --subtasks 4 --subtask-ms 1000]
 *
 * Reports, per concurrency, the time from the message queued to the merged answer stored (median of the runs), and
 * writes bench-results/parallel-<time>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { lastUserText } from '../fakes/fake-anthropic-wire.js';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { RecordingEgress } from '../fakes/recording-egress.js';
import { inbound, startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    subtasks: { type: 'string', default: '4' },
    'subtask-ms': { type: 'string', default: '1000' },
  },
});
const runs = Number(values.runs);
const subtaskCount = Number(values.subtasks);
const subtaskMs = Number(values['subtask-ms']);

const plan = {
  goal: 'Benchmark work',
  subtasks: Array.from({ length: subtaskCount }, (_, i) => ({ title: `Part ${i + 1}`, instructions: `Do part ${i + 1}.` })),
};
const database = await createTestDatabase();
const model = await startFakeAnthropic({
  reply: async (req) => {
    if (req.body.output_config?.format?.schema?.properties?.subtasks) return { kind: 'tool_use', name: 'plan_subtasks', input: plan };
    const text = lastUserText(req.body);
    if (/^Sub-task \d+ of/.test(text)) {
      await new Promise((resolve) => setTimeout(resolve, subtaskMs));
      return { kind: 'text', text: 'Done.' };
    }
    return { kind: 'text', text: 'Merged.' };
  },
});

/** One run, queued → merged answer stored, in ms. */
async function measure(concurrency: number): Promise<number[]> {
  const platform = new RecordingEgress('shell');
  const config = testConfig(database, model.url, { PARALLEL_CONCURRENCY: String(concurrency), PARALLEL_CONFIRM_USD: '1000' });
  const app = await startTestApp(config, [platform]);
  const times: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const message = inbound('parallel --yes do the benchmark work', { thread: `bench-${concurrency}-${run}` });
      const started = performance.now();
      await app.producer.enqueue(message);
      await waitFor(
        'the merged answer',
        async () => (await database.sql`select 1 from messages where delivery_id = ${message.id} and role = 'assistant'`).length > 0,
        60_000,
      );
      times.push(Math.round(performance.now() - started));
    }
  } finally {
    await app.close();
  }
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = [];
for (const concurrency of [1, 4]) {
  const times = await measure(concurrency);
  results.push({ concurrency, medianMs: median(times), timesMs: times });
}
const result = { when: new Date().toISOString(), node: process.version, subtasks: subtaskCount, subtaskMs, runs, results };
console.log(`
Parallel skill benchmark (${subtaskCount} sub-tasks of ${subtaskMs} ms each; 1 worker process; real Postgres, Redis, BullMQ; ${runs} runs)`);
for (const r of results) {
  console.log(`  PARALLEL_CONCURRENCY=${r.concurrency}: queued → merged answer stored, median ${r.medianMs} ms (runs: ${r.timesMs.join(', ')} ms)`);
}
await mkdir('bench-results', { recursive: true });
const file = `bench-results/parallel-${result.when.replace(/[:.]/g, '-')}.json`;
await writeFile(file, JSON.stringify(result, null, 2));
console.log(`  written to ${file}`);

await model.close();
await database.drop();
