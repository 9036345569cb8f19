/**
 * `--shard auto` on batch schedulers: the variables each scheduler sets (unit), then n real CLI
 * processes run side by side as the tasks of a Slurm array, a Kubernetes Indexed Job and an AWS
 * Batch array job would, on one small collection: every photo is restored exactly once, and a
 * re-run does nothing. The CLI is built into its own folder (cli.test.ts builds dist-cli/,
 * possibly at the same time), inside node_modules/.cache so it finds sharp and onnxruntime-node.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardFromScheduler, ShardEnvironmentError } from '../../cli/scheduler-shard';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('shardFromScheduler', () => {
  it('reads a Kubernetes Indexed Job index, with the count from HEIRLOOM_SHARD_COUNT or auto/<n>', () => {
    expect(shardFromScheduler('auto', { JOB_COMPLETION_INDEX: '2', HEIRLOOM_SHARD_COUNT: '5' })).toEqual({
      shard: { index: 2, count: 5 }, source: 'Kubernetes Indexed Job (JOB_COMPLETION_INDEX=2, HEIRLOOM_SHARD_COUNT=5)',
    });
    expect(shardFromScheduler('auto/4', { JOB_COMPLETION_INDEX: '3', HEIRLOOM_SHARD_COUNT: '9' }).shard).toEqual({ index: 3, count: 4 });
    expect(() => shardFromScheduler('auto', { JOB_COMPLETION_INDEX: '0' })).toThrow(/found a Kubernetes Indexed Job \(JOB_COMPLETION_INDEX=0\) but not how many tasks it has: set HEIRLOOM_SHARD_COUNT/);
  });

  it('numbers Slurm array tasks from SLURM_ARRAY_TASK_MIN, in its steps', () => {
    // --array=1-3: ids 1, 2, 3 are shards 0, 1, 2 of 3.
    for (const id of [1, 2, 3]) {
      expect(shardFromScheduler('auto', { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' }).shard).toEqual({ index: id - 1, count: 3 });
    }
    // --array=10-22:4: ids 10, 14, 18, 22.
    expect(shardFromScheduler('auto', { SLURM_ARRAY_TASK_ID: '18', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_STEP: '4', SLURM_ARRAY_TASK_COUNT: '4' }).shard).toEqual({ index: 2, count: 4 });
    // Without MIN the ids are taken to start at 0.
    expect(shardFromScheduler('auto', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' }).shard).toEqual({ index: 0, count: 2 });
    expect(() => shardFromScheduler('auto', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '3' })).toThrow(/gives task 3 of 3, but tasks are numbered 0 to 2: is the count right/);
    expect(() => shardFromScheduler('auto', { SLURM_ARRAY_TASK_ID: '12', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_STEP: '4', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/not one of the array's ids/);
    expect(() => shardFromScheduler('auto', { SLURM_ARRAY_TASK_ID: '1' })).toThrow(/not SLURM_ARRAY_TASK_COUNT/);
  });

  it('reads an AWS Batch array index; the size must be given, since AWS does not pass it', () => {
    expect(shardFromScheduler('auto', { AWS_BATCH_JOB_ARRAY_INDEX: '7', AWS_BATCH_JOB_ARRAY_SIZE: '10' }).shard).toEqual({ index: 7, count: 10 });
    expect(shardFromScheduler('auto/8', { AWS_BATCH_JOB_ARRAY_INDEX: '7' }).shard).toEqual({ index: 7, count: 8 });
    expect(() => shardFromScheduler('auto', { AWS_BATCH_JOB_ARRAY_INDEX: '7' })).toThrow(/AWS Batch array job \(AWS_BATCH_JOB_ARRAY_INDEX=7\) but not its size/);
  });

  it('says clearly when no scheduler, or several, or nonsense is found', () => {
    expect(() => shardFromScheduler('auto', { HOME: '/root' })).toThrow(ShardEnvironmentError);
    expect(() => shardFromScheduler('auto', {})).toThrow(/no batch scheduler's task index found in the environment/);
    expect(() => shardFromScheduler('auto', { JOB_COMPLETION_INDEX: '1', SLURM_ARRAY_TASK_ID: '1', HEIRLOOM_SHARD_COUNT: '3' })).toThrow(/several schedulers \(Kubernetes .*; Slurm/);
    expect(() => shardFromScheduler('auto', { JOB_COMPLETION_INDEX: 'two', HEIRLOOM_SHARD_COUNT: '3' })).toThrow(/JOB_COMPLETION_INDEX is "two", not a whole number/);
    expect(() => shardFromScheduler('auto/0', { JOB_COMPLETION_INDEX: '0' })).toThrow(/at least 1/);
    expect(() => shardFromScheduler('automatic', {})).toThrow(/--shard must be i\/n \(e\.g\. 0\/4\), auto or auto\/<n>/);
  });
});

describe('--shard auto across n CLI processes', () => {
  let dir: string;
  let bundleDir: string;
  let inDir: string;
  let runner: string;
  const photos = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? `roll-${i}/p${i}.png` : `p${i}.png`));
  /** What scheduler-free variables the test process itself might carry must not leak in. */
  const SCHEDULER_VARS = /^(JOB_COMPLETION_INDEX|SLURM_|AWS_BATCH_|HEIRLOOM_SHARD_COUNT)/;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'heirloom-shard-'));
    mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
    bundleDir = mkdtempSync(join(root, 'node_modules/.cache/heirloom-shard-'));
    const build = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'cli/vite.config.ts', '--outDir', bundleDir], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build:cli failed:\n${build.stdout}\n${build.stderr}`);
    runner = join(bundleDir, 'run.mjs');
    writeFileSync(runner, `const { run } = await import(${JSON.stringify(pathToFileURL(join(bundleDir, 'heirloom.mjs')).href)});\nawait run(process.argv.slice(2));\n`);
    inDir = join(dir, 'in');
    for (const [i, rel] of photos.entries()) {
      mkdirSync(join(inDir, rel, '..'), { recursive: true });
      await sharp({ create: { width: 12, height: 8, channels: 3, background: { r: 20 * i, g: 90, b: 240 - 20 * i } } }).png().toFile(join(inDir, rel));
    }
  }, 60_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(bundleDir, { recursive: true, force: true });
  });

  /** One task: the CLI with these scheduler variables; resolves with its exit code and log. */
  function task(outDir: string, env: Record<string, string>, shard = 'auto', extra: string[] = []): Promise<{ code: number | null; log: string }> {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCHEDULER_VARS.test(k)));
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [runner, 'restore', inDir, outDir, '--recipe', 'fade', '-j', '1', '--threads', '1', '--models', join(root, 'public/models'), '--shard', shard, ...extra], {
        env: { ...clean, ...env, CI: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      child.stderr.on('data', (d) => (log += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, log }));
    });
  }

  /** The photos a task's log says it restored ("[k/n] rel -> out (...)"). */
  const restored = (log: string) => [...log.matchAll(/^\[\d+\/\d+\] (\S+) -> /gm)].map((m) => m[1]!);
  const outputs = (outDir: string) => readdirSync(outDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));

  it('a Slurm array 1-3: each photo restored by exactly one task; running the array again does nothing', async () => {
    const outDir = join(dir, 'out-slurm');
    const env = (id: number) => ({ SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_JOB_ID: '4242' });
    const first = await Promise.all([1, 2, 3].map((id) => task(outDir, env(id))));
    first.forEach((r, i) => {
      expect(r.code, r.log).toBe(0);
      expect(r.log).toContain(`heirloom: --shard auto: Slurm array task ${i + 1} (SLURM_ARRAY_TASK_ID=${i + 1}, SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_COUNT=3): shard ${i}/3`);
    });
    const byTask = first.map((r) => restored(r.log));
    expect(byTask.every((list) => list.length > 0), `every task got work: ${JSON.stringify(byTask)}`).toBe(true);
    expect(byTask.flat().sort()).toEqual([...photos].sort());
    const written = outputs(outDir);
    expect(written).toHaveLength(photos.length);
    expect(written.filter((p) => p.includes('heirloom-tmp'))).toEqual([]);
    const mtimes = new Map(written.map((p) => [p, statSync(p).mtimeMs]));

    const again = await Promise.all([1, 2, 3].map((id) => task(outDir, env(id))));
    again.forEach((r, i) => {
      expect(r.code, r.log).toBe(0);
      expect(restored(r.log)).toEqual([]);
      expect(r.log).toContain(`: 0 to do, ${byTask[i]!.length} already done`);
      expect(r.log).toContain('heirloom: nothing to do: every photo of this shard already has its output');
      expect(r.log).toMatch(new RegExp(`: 0 restored, ${byTask[i]!.length} skipped \\(already done\\), 0 failed`));
    });
    for (const [p, t] of mtimes) expect(statSync(p).mtimeMs, p).toBe(t);
  }, 60_000);

  it('Kubernetes and AWS Batch tasks split the collection the same way (dry runs)', async () => {
    const planned = async (envFor: (i: number) => Record<string, string>, shard: string) => {
      const runs = await Promise.all([0, 1, 2].map((i) => task(join(dir, `out-dry-${shard.replace('/', '-')}-${i}`), envFor(i), shard, ['--dry-run'])));
      runs.forEach((r) => expect(r.code, r.log).toBe(0));
      return runs.map((r) => [...r.log.matchAll(/^ {2}(\S+) -> /gm)].map((m) => m[1]!));
    };
    const k8s = await planned((i) => ({ JOB_COMPLETION_INDEX: String(i), HEIRLOOM_SHARD_COUNT: '3' }), 'auto');
    const aws = await planned((i) => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(i) }), 'auto/3');
    expect(k8s.flat().sort()).toEqual([...photos].sort());
    expect(aws).toEqual(k8s);
    // The same shards as --shard i/3 (and so as the Slurm tasks above).
    const explicit = await Promise.all([0, 1, 2].map((i) => task(join(dir, 'out-dry-explicit'), {}, `${i}/3`, ['--dry-run'])));
    expect(explicit.map((r) => [...r.log.matchAll(/^ {2}(\S+) -> /gm)].map((m) => m[1]!))).toEqual(k8s);
  }, 60_000);

  it('fails with a clear message (exit 2) when no scheduler variable is set', async () => {
    const r = await task(join(dir, 'out-none'), {});
    expect(r.code).toBe(2);
    expect(r.log).toMatch(/heirloom: --shard auto: no batch scheduler's task index found in the environment/);
  });
});
