/*
 * Where a process spent its CPU: reads a `node --cpu-prof` profile (npm run bench -- --profile writes them) and
 * prints self time by package or source file, and the hottest functions.
 *
 *   node --import tsx test/bench/profile-summary.ts bench-results/profiles/worker-….cpuprofile [--top 25]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, callers: { type: 'string' }, depth: { type: 'string', default: '6' } },
});
const top = Number(values.top);

for (const file of positionals) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const place = placeOf(url, functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
    const fn = `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  console.log(`\n${file}: ${seconds.toFixed(1)} s profiled, ${(total / 1e6).toFixed(1)} s sampled`);
  print('self time by package / file', byPlace, total);
  print('hottest functions (self time)', byFunction, total);
  if (values.callers) printCallers(profile, byId, self, total, values.callers, Number(values.depth));
}

/** Self time under every frame whose function or package matches `pattern`, by the stack of callers above it. */
function printCallers(profile: Profile, byId: Map<number, ProfileNode>, self: Map<number, number>, total: number, pattern: string, depth: number) {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    return `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
  };
  const matches = (id: number) => label(id).includes(pattern);
  const stacks = new Map<string, number>();
  for (const [id, micros] of self) {
    // The outermost matching frame on this sample's stack, and the callers above it.
    let hit: number | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (matches(at)) hit = at;
    if (hit === undefined) continue;
    const chain: string[] = [];
    for (let at: number | undefined = hit; at !== undefined && chain.length < depth; at = parent.get(at)) chain.push(label(at));
    const key = chain.join('  <  ');
    stacks.set(key, (stacks.get(key) ?? 0) + micros);
  }
  const sum = [...stacks.values()].reduce((a, b) => a + b, 0);
  print(`time under "${pattern}" (${(sum / 1000).toFixed(0)} ms, ${((100 * sum) / total).toFixed(1)}%), by callers`, stacks, total);
}

function print(title: string, map: Map<string, number>, total: number): void {
  console.log(`  ${title}:`);
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${((100 * micros) / total).toFixed(1).padStart(6)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}

/** node_modules/<package>, a file of ours, or what V8 calls the time it can't attribute (GC, idle, program). */
function placeOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return url;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*?\/(src|adapters|test|node_modules)\//, '$1/');
}
