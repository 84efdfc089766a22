import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// Docker is not available where the tests run, so the files are checked for what would break a deployment.
// Compose applies YAML merge keys (`<<: *app`), so the parser must too.
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> }>;
};
const dockerfile = readFileSync('docker/Dockerfile', 'utf8');
const main = readFileSync('src/main.ts', 'utf8');
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('deployment files', () => {
  it('runs every app service with a role that src/main.ts knows, the same command as its npm script', () => {
    for (const name of ['migrate', 'gateway', 'worker']) {
      const role = compose.services[name]?.command?.[0];
      expect(role, name).toBe(name);
      expect(main).toContain(`${role}`);
      expect(scripts[role!]).toBe(`node --max-semi-space-size=64 --import tsx src/main.ts ${role}`);
    }
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "--max-semi-space-size=64", "--import", "tsx", "src\/main.ts"\]/);
  });

  it('migrates once before the gateway and workers start, and points them at the compose Postgres and Redis', () => {
    for (const name of ['gateway', 'worker']) {
      expect(compose.services[name]?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
      expect(compose.services[name]?.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(compose.services[name]?.environment?.DATABASE_URL).toMatch(/@postgres:5432\/xiaoliu$/);
    }
  });

  it('keeps every Redis key (noeviction) and persists the queue (AOF), as BullMQ requires', () => {
    const command = compose.services.redis?.command?.join(' ');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(command).toContain('--appendonly yes');
  });

  it('builds a Node 24 image that runs as a non-root user with a health check', () => {
    expect(dockerfile).toMatch(/^FROM node:24-slim/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
    expect(dockerfile).toContain('npm ci --omit=dev');
  });

  it('keeps secrets and node_modules out of the build context', () => {
    const ignore = readFileSync('.dockerignore', 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['.env', 'node_modules']));
  });
});
