/**
 * `--shard auto`: the shard a batch scheduler gave this task, read from the variables it sets
 * in each task of an array job, so one command line serves every task:
 *
 *   Kubernetes Indexed Job   JOB_COMPLETION_INDEX (0..completions-1); the completions count is not
 *                            in the environment: HEIRLOOM_SHARD_COUNT or --shard auto/<n>
 *   Slurm job array          SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT; ids start at
 *                            SLURM_ARRAY_TASK_MIN (--array=1-8 runs 1..8) and step by
 *                            SLURM_ARRAY_TASK_STEP (--array=0-15:4 runs 0,4,8,12)
 *   AWS Batch array job      AWS_BATCH_JOB_ARRAY_INDEX (0..size-1); AWS does not set the size:
 *                            AWS_BATCH_JOB_ARRAY_SIZE, HEIRLOOM_SHARD_COUNT or --shard auto/<n>
 */
import type { Shard } from './files';

export interface SchedulerShard {
  shard: Shard;
  /** What was read, for the log: "Slurm array task 4 (SLURM_ARRAY_TASK_ID=4, ...)". */
  source: string;
}

export class ShardEnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardEnvironmentError';
  }
}

type Env = Record<string, string | undefined>;

const HELP = 'Run it as a task of a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with HEIRLOOM_SHARD_COUNT or --shard auto/<n>), ' +
  'a Slurm job array (SLURM_ARRAY_TASK_ID) or an AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX), or give the shard as --shard i/n.';

/** A whole number from a variable (or the auto/<n> count), or a clear error naming it. */
function whole(name: string, text: string, min: number): number {
  if (!/^\d+$/.test(text.trim())) throw new ShardEnvironmentError(`--shard auto: ${name} is "${text}", not a whole number`);
  const n = Number(text.trim());
  if (n < min) throw new ShardEnvironmentError(`--shard auto: ${name} is ${n}; it must be at least ${min}`);
  return n;
}

/** The count given on the command line (auto/<n>) or in HEIRLOOM_SHARD_COUNT, the former first. */
function givenCount(fromArg: number | undefined, env: Env): { count: number; from: string } | undefined {
  if (fromArg !== undefined) return { count: fromArg, from: `--shard auto/${fromArg}` };
  const text = env.HEIRLOOM_SHARD_COUNT;
  return text === undefined || text === '' ? undefined : { count: whole('HEIRLOOM_SHARD_COUNT', text, 1), from: `HEIRLOOM_SHARD_COUNT=${text}` };
}

interface Found { scheduler: string; read: () => SchedulerShard }

function kubernetes(env: Env, count: number | undefined): Found | undefined {
  const text = env.JOB_COMPLETION_INDEX;
  if (text === undefined || text === '') return undefined;
  return {
    scheduler: 'Kubernetes (JOB_COMPLETION_INDEX)',
    read: () => {
      const index = whole('JOB_COMPLETION_INDEX', text, 0);
      const given = givenCount(count, env);
      if (!given) throw new ShardEnvironmentError(`--shard auto: found a Kubernetes Indexed Job (JOB_COMPLETION_INDEX=${text}) but not how many tasks it has: set HEIRLOOM_SHARD_COUNT to the Job's completions, or pass --shard auto/<completions>`);
      return { shard: { index, count: given.count }, source: `Kubernetes Indexed Job (JOB_COMPLETION_INDEX=${text}, ${given.from})` };
    },
  };
}

function slurm(env: Env, count: number | undefined): Found | undefined {
  const text = env.SLURM_ARRAY_TASK_ID;
  if (text === undefined || text === '') return undefined;
  return {
    scheduler: 'Slurm (SLURM_ARRAY_TASK_ID)',
    read: () => {
      const id = whole('SLURM_ARRAY_TASK_ID', text, 0);
      const min = env.SLURM_ARRAY_TASK_MIN ? whole('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN, 0) : 0;
      const step = env.SLURM_ARRAY_TASK_STEP ? whole('SLURM_ARRAY_TASK_STEP', env.SLURM_ARRAY_TASK_STEP, 1) : 1;
      if (id < min || (id - min) % step !== 0) {
        throw new ShardEnvironmentError(`--shard auto: SLURM_ARRAY_TASK_ID=${id} is not one of the array's ids (from SLURM_ARRAY_TASK_MIN=${min} in steps of ${step})`);
      }
      const read = [`SLURM_ARRAY_TASK_ID=${text}`, `SLURM_ARRAY_TASK_MIN=${min}`, ...(step !== 1 ? [`SLURM_ARRAY_TASK_STEP=${step}`] : [])];
      let total = count;
      if (total !== undefined) read.push(`--shard auto/${total}`);
      else if (env.SLURM_ARRAY_TASK_COUNT) {
        total = whole('SLURM_ARRAY_TASK_COUNT', env.SLURM_ARRAY_TASK_COUNT, 1);
        read.push(`SLURM_ARRAY_TASK_COUNT=${total}`);
      } else {
        const given = givenCount(undefined, env);
        if (!given) throw new ShardEnvironmentError('--shard auto: found a Slurm array task but not SLURM_ARRAY_TASK_COUNT (Slurm 17.11 or later sets it): set HEIRLOOM_SHARD_COUNT or pass --shard auto/<n>');
        total = given.count;
        read.push(given.from);
      }
      // A list like --array=1,4,9 has no step: its ids cannot be numbered from the variables.
      return { shard: { index: (id - min) / step, count: total }, source: `Slurm array task ${id} (${read.join(', ')})` };
    },
  };
}

function awsBatch(env: Env, count: number | undefined): Found | undefined {
  const text = env.AWS_BATCH_JOB_ARRAY_INDEX;
  if (text === undefined || text === '') return undefined;
  return {
    scheduler: 'AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX)',
    read: () => {
      const index = whole('AWS_BATCH_JOB_ARRAY_INDEX', text, 0);
      let given = givenCount(count, env);
      if (!given && env.AWS_BATCH_JOB_ARRAY_SIZE) {
        given = { count: whole('AWS_BATCH_JOB_ARRAY_SIZE', env.AWS_BATCH_JOB_ARRAY_SIZE, 1), from: `AWS_BATCH_JOB_ARRAY_SIZE=${env.AWS_BATCH_JOB_ARRAY_SIZE}` };
      }
      if (!given) throw new ShardEnvironmentError(`--shard auto: found an AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX=${text}) but not its size, which AWS does not pass: set AWS_BATCH_JOB_ARRAY_SIZE or HEIRLOOM_SHARD_COUNT in the job definition, or pass --shard auto/<size>`);
      return { shard: { index, count: given.count }, source: `AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX=${text}, ${given.from})` };
    },
  };
}

/**
 * The shard for `--shard auto` or `--shard auto/<n>` (`spec`), from `env`. Exactly one
 * scheduler's variables must be present; the index must fall inside the count.
 */
export function shardFromScheduler(spec: string, env: Env = process.env): SchedulerShard {
  const m = /^auto(?:\/(\d+))?$/.exec(spec.trim());
  if (!m) throw new ShardEnvironmentError(`--shard must be i/n (e.g. 0/4), auto or auto/<n>, got "${spec}"`);
  const count = m[1] === undefined ? undefined : whole('the count in --shard auto/<n>', m[1], 1);
  const found = [kubernetes(env, count), slurm(env, count), awsBatch(env, count)].filter((f): f is Found => f !== undefined);
  if (found.length === 0) throw new ShardEnvironmentError(`--shard auto: no batch scheduler's task index found in the environment. ${HELP}`);
  if (found.length > 1) {
    throw new ShardEnvironmentError(`--shard auto: found the variables of several schedulers (${found.map((f) => f.scheduler).join('; ')}), so which shard this is is ambiguous: give it as --shard i/n`);
  }
  const result = found[0]!.read();
  const { index, count: n } = result.shard;
  if (index >= n) throw new ShardEnvironmentError(`--shard auto: ${result.source} gives task ${index} of ${n}, but tasks are numbered 0 to ${n - 1}: is the count right?`);
  return result;
}
