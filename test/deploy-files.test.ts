import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { parse } from 'yaml';

// Docker is not available where the tests run, so the files are checked for what would break a deployment.
// Compose applies YAML merge keys (`<<: *app`), so the parser must too.
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> }>;
};
const dockerfile = readFileSync('docker/Dockerfile', 'utf8');
const main = readFileSync('src/main.ts', 'utf8');
const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
const scripts = packageJson.scripts;

describe('deployment files', () => {
  it('runs every app service with a role that src/main.ts knows, the same command as its npm script', () => {
    for (const name of ['migrate', 'gateway', 'worker']) {
      const role = compose.services[name]?.command?.[0];
      expect(role, name).toBe(name);
      expect(main).toContain(`${role}`);
      expect(scripts[role!]).toBe(`node --max-semi-space-size=64 dist/src/main.js ${role}`);
    }
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--max-semi-space-size=64", "dist\/src\/main.js"\]$/m);
  });

  it('runs compiled JavaScript with plain node everywhere, each npm script building it first', () => {
    const app = ['start', 'gateway', 'worker', 'migrate', 'shell', 'discord:register', 'apikey', 'backup', 'restore', 'doctor'];
    for (const name of app) {
      const file = /^node (?:--\S+ )*(dist\/\S+\.js)\b/.exec(scripts[name]!)?.[1];
      expect(file, `${name}: ${scripts[name]}`).toBeDefined();
      // The compiled file of a source that exists: a renamed module fails here, not on a fresh machine.
      expect(existsSync(file!.replace(/^dist\//, '').replace(/\.js$/, '.ts')), name).toBe(true);
      // npm runs pre<name> first: `npm start` after editing a .ts file runs the edit, never an older dist/.
      expect(scripts[`pre${name}`], name).toBe('npm run build --silent');
    }
    // The image's production packages have no TypeScript loader, so nothing can quietly depend on one.
    expect(Object.keys(packageJson.dependencies)).not.toContain('tsx');
    expect(dockerfile).not.toMatch(/--import|\.ts"/);
  });

  it('builds the image from the same files `npm run build` reads, and ships only its output', () => {
    // The build stage copies what the build script and tsconfig.build.json name; the last stage takes dist/ only.
    const buildStage = dockerfile.slice(dockerfile.indexOf(' AS build'), dockerfile.indexOf(' AS deps'));
    const copied = [...buildStage.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    const buildConfig = ts.readConfigFile('tsconfig.build.json', ts.sys.readFile).config as { extends: string; include: string[] };
    const script = [...scripts.build!.matchAll(/\S+\.(?:json|mjs)\b/g)].map((m) => m[0]);
    const syncRoots = JSON.parse(/const ROOTS = (\[.*\]);/.exec(readFileSync('src/ops/sync-assets.mjs', 'utf8'))![1]!.replaceAll("'", '"')) as string[];
    const needed = [...script, buildConfig.extends.replace('./', ''), ...buildConfig.include, ...syncRoots];
    for (const path of needed) expect(copied.some((c) => path === c || path.startsWith(`${c}/`)), path).toBe(true);
    expect(buildStage).toContain('RUN npm run build');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).not.toMatch(/^COPY (src|adapters|migrations) /m);
  });

  it('migrates once before the gateway and workers start, and points them at the compose Postgres and Redis', () => {
    for (const name of ['gateway', 'worker']) {
      expect(compose.services[name]?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
      // With the password Compose refuses to start without (deploy-compose.test.ts).
      expect(compose.services[name]?.environment?.REDIS_URL).toMatch(/^redis:\/\/xiaoliu:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/);
      expect(compose.services[name]?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/xiaoliu:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/xiaoliu$/);
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
