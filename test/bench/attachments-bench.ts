/*
 * Attachments benchmark: a 5 MB image and a 30-page PDF, each shared in a Slack mention, from the event reaching the
 * gateway to the model request carrying the file: the real Bolt gateway, queue, worker, download from the fake
 * Slack's file host (url_private_download, with the token), the file read (sharp scales the image down; PDF.js counts
 * the pages), Postgres and the Anthropic SDK; the fake model answers at once.
 *
 *   npm run bench:attachments [-- --runs 8]
 *
 * Prints, for each kind of file, the time from event to model request (p50 / p99 / max) and the process's memory:
 * the peak resident set (sampled every 5 ms) and its growth over the idle baseline. Bounded: a few runs of each.
 */
import { parseArgs } from 'node:util';
import { appMentionEvent, sendSlackEvent } from '../fakes/slack-events.js';
import { makePdf, makePng } from '../support/make-files.js';
import { SLACK_TEST_SECRET, startSlackTestApp } from '../support/slack-test-app.js';
import { waitForAnswer } from '../support/wait-for-answer.js';
import { percentiles } from './percentiles.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '8' } } });
const runs = Number(values.runs);

const t = await startSlackTestApp();
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

// A 5 MB image: noise does not compress, so a 1300×1300 PNG of it is ~5 MB (and 1.7 megapixels: it is scaled down).
const image = await makePng(1300, 1300, { noise: true });
// A 30-page PDF of text, with some bulk per page as real ones have (fonts, drawings): ~1.5 MB.
const pdf = makePdf(30, { filler: 50_000 });
console.log(`files: image ${mb(image.length)} MB (1300×1300 PNG), PDF ${mb(pdf.length)} MB (30 pages)`);

// One process holds the gateway, the worker, the fake Slack and the fake model (which parses every request, PDF and
// all): the figures are of all of them together, an upper bound on Xiaoliu's own.
let peak = 0;
let heapPeak = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  heapPeak = Math.max(heapPeak, m.heapUsed + m.external);
}, 5);

async function once(name: string, mimetype: string, content: Buffer, run: number): Promise<number> {
  const file = t.slack.hostFile({ name, mimetype, content });
  const envelope = appMentionEvent({ channel: `CB${run}`, user: 'U1', text: '<@UBOT> what is in this file?' });
  Object.assign(envelope.event, { files: [file] });
  const before = t.model.requests.length;
  const sent = Date.now();
  await sendSlackEvent(t.events, SLACK_TEST_SECRET, envelope);
  await waitForAnswer(t.database.sql, `slack-T0FAKE-CB${run}-${envelope.event.ts as string}`, 60_000);
  const request = t.model.requests.slice(before).find((r) => JSON.stringify(r.body.messages).includes('"source"'));
  if (!request) throw new Error(`no model request carried ${name}`);
  return request.at - sent;
}

async function measure(label: string, name: string, mimetype: string, content: Buffer) {
  global.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const baseline = process.memoryUsage().rss;
  peak = baseline;
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().external;
  heapPeak = heapBefore;
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(await once(name, mimetype, content, Number(`${label === 'image' ? 1 : 2}${run}`)));
  const p = percentiles(times);
  console.log(
    `${label.padEnd(6)} event → model request: p50 ${p.p50} ms, p99 ${p.p99} ms, max ${Math.max(...times)} ms (${runs} runs); ` +
      `memory: peak RSS ${mb(peak)} MB (+${mb(peak - baseline)} MB over ${mb(baseline)} MB before), ` +
      `peak JS heap + buffers ${mb(heapPeak)} MB (+${mb(heapPeak - heapBefore)} MB)`,
  );
}

try {
  await once('warm.png', 'image/png', await makePng(50, 50), 99); // connections, JIT, PDF.js and sharp loaded
  await once('warm.pdf', 'application/pdf', makePdf(1), 98);
  await measure('image', 'photo.png', 'image/png', image);
  await measure('pdf', 'report.pdf', 'application/pdf', pdf);
} finally {
  clearInterval(sampler);
  await t.close();
}
