// Runs the fake Anthropic API on its own so the bot can be used offline: `npm run fake:anthropic`.
import { startFakeAnthropic } from './fake-anthropic.js';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const fake = await startFakeAnthropic({
  host: process.env.FAKE_ANTHROPIC_HOST?.trim() || '127.0.0.1',
  port: numberFromEnv('FAKE_ANTHROPIC_PORT', 4010),
  firstTokenDelayMs: numberFromEnv('FAKE_ANTHROPIC_FIRST_TOKEN_MS', 300),
  tokensPerSecond: numberFromEnv('FAKE_ANTHROPIC_TOKENS_PER_SEC', 80),
});
console.log(`fake Anthropic API listening on ${fake.url} — set ANTHROPIC_BASE_URL=${fake.url}`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  fake.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('fake Anthropic API failed to close:', err);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
