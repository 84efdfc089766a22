import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { configuredAdapters } from '../../adapters/registry.js';
import { readConfig, type Config } from '../config/read-config.js';
import { ConfigError } from '../domain/errors.js';
import { checkAnthropic } from './doctor/check-anthropic.js';
import { checkDiscord } from './doctor/check-discord.js';
import { checkSlack } from './doctor/check-slack.js';
import { checkStorage } from './doctor/check-storage.js';
import { fail, formatLine, type DoctorLine } from './doctor/doctor-line.js';

/*
 * npm run doctor    calls Postgres, Redis, Anthropic, Slack and Discord (each one that is configured) with the keys in
 *                   .env or the environment, prints one line per check (✓ works, ! worth a look, ✗ broken, - skipped)
 *                   with what to change, and exits 1 if any check failed. Secrets are never printed.
 */

/** Longest wait for any one call; the checks of one service run in turn, the services side by side. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Runs every check that applies to this configuration. */
export async function runDoctor(config: Config, options: { timeoutMs?: number } = {}): Promise<DoctorLine[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const groups = await Promise.all([
    checkStorage(config, timeoutMs),
    checkAnthropic(config, timeoutMs),
    checkSlack(config, timeoutMs),
    checkDiscord(config, timeoutMs),
  ]);
  return groups.flat();
}

/** The report as printed: one line per check, any secret of the configuration blanked out, then the verdict. */
export function formatReport(lines: DoctorLine[], config: Config | undefined): string {
  const failed = lines.filter((l) => l.status === 'fail').length;
  const verdict = failed === 0 ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed: fix the ✗ lines and run npm run doctor again.`;
  return blankSecrets([...lines.map(formatLine), '', verdict].join('\n'), config ? secretsOf(config) : []);
}

/**
 * Every secret the configuration holds. The checks never put one in a line; this is the second lock, should an error
 * message from a client library ever quote one.
 */
export function secretsOf(config: Config): string[] {
  const passwordOf = (url: string) => {
    try {
      return decodeURIComponent(new URL(url).password);
    } catch {
      return '';
    }
  };
  // Every platform's secrets, by the fields its adapter names.
  const platformSecrets = configuredAdapters(config.platforms).flatMap(({ adapter, config: settings }) =>
    adapter.secretFields.map((field) => (settings as Record<string, unknown>)[field]),
  );
  return [
    config.anthropic.apiKey,
    ...platformSecrets,
    passwordOf(config.databaseUrl),
    passwordOf(config.redisUrl),
    config.redisSentinel?.password,
  ].filter((s): s is string => typeof s === 'string' && s.length >= 6);
}

function blankSecrets(text: string, secrets: string[]): string {
  return secrets.reduce((out, secret) => out.replaceAll(secret, '[secret]'), text);
}

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: Config;
  try {
    config = readConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // readConfig stops at the first bad variable; the services cannot be checked until it is fixed.
    console.log(formatReport([fail('Configuration', error.message)], undefined));
    process.exit(1);
  }
  const lines = await runDoctor(config);
  console.log(formatReport(lines, config));
  // Exits at once: a call given up at its deadline may still hold a socket open.
  process.exit(lines.some((l) => l.status === 'fail') ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`xiaoliu doctor: ${(error as Error).message}`);
    process.exit(1);
  });
}
