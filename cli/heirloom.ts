/**
 * heirloom: the command line for whole archives. Same core, stages and models as the app,
 * run with onnxruntime-node on every core. Built by `npm run build:cli` into dist-cli/.
 *
 *   heirloom restore <in-dir> <out-dir> --recipe upscale:2 [options]
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatRecipe, parseRecipe, recipeHelp, RecipeError } from './recipe';
import { parseShard, type Shard } from './files';
import { shardFromScheduler } from './scheduler-shard';
import { restore, UsageError } from './restore';
import { formatDuration } from './progress';
import type { CliFormat } from './codec';

const HELP = `Usage: heirloom restore <in-dir> <out-dir> --recipe <stages> [options]

Restores every photo under <in-dir> (recursively) into <out-dir>, keeping the folder
structure. Originals are never modified. Re-running the same command resumes: photos whose
output already exists are skipped.

Options:
  -r, --recipe <stages>   what to do, e.g. auto  upscale:2  "fade:0.8,upscale:4:fast"
                          repair,denoise:0.7,fade,upscale:2   (required; auto: each
                          photo analysed and given its own recipe, logged)
  -f, --format <fmt>      png (default, lossless) | jpeg | webp
  -q, --quality <1-100>   JPEG/WebP quality (default 92)
      --find-print        photos of prints (taken with a phone, on a table): find the print,
                          straighten it and crop to it before the recipe; photos with no
                          clear print in them are restored as they are (and listed)
      --keep-names        name outputs like the originals (default: <name>-heirloom-x2.<ext>)
      --shard <i/n>       only the photos whose path hashes to i mod n (run n machines side by side)
      --shard auto        i and n from the batch scheduler running this task: Kubernetes Indexed Job
                          (JOB_COMPLETION_INDEX + HEIRLOOM_SHARD_COUNT), Slurm array
                          (SLURM_ARRAY_TASK_ID/_COUNT/_MIN), AWS Batch array job
                          (AWS_BATCH_JOB_ARRAY_INDEX + AWS_BATCH_JOB_ARRAY_SIZE or HEIRLOOM_SHARD_COUNT);
                          --shard auto/<n> gives n on the command line
  -j, --workers <n>       worker threads, each restoring one photo (default: ${availableParallelism()} = cores)
      --threads <n>       onnxruntime threads per worker (default: cores / workers)
      --models <dir>      model folder holding <task>/<file> (default: the repository's public/models)
      --dry-run           list what would be done, do nothing
  -h, --help              this help

${recipeHelp()}

Exit status: 0 all done (or already done), 1 some photos failed (listed at the end),
2 usage error or a model is missing, 130 interrupted.`;

export async function main(argv: string[]): Promise<number> {
  const err = (m: string) => process.stderr.write(m.endsWith('\n') ? m : m + '\n');
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        recipe: { type: 'string', short: 'r' },
        format: { type: 'string', short: 'f', default: 'png' },
        quality: { type: 'string', short: 'q', default: '92' },
        'keep-names': { type: 'boolean', default: false },
        'find-print': { type: 'boolean', default: false },
        shard: { type: 'string' },
        workers: { type: 'string', short: 'j' },
        threads: { type: 'string' },
        models: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    err(`heirloom: ${e instanceof Error ? e.message : String(e)}\n\n${HELP}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (v.help || positionals.length === 0) {
    (v.help ? process.stdout : process.stderr).write(HELP + '\n');
    return v.help ? 0 : 2;
  }
  const [command, inDir, outDir, ...extra] = positionals;
  if (command !== 'restore') {
    err(`heirloom: unknown command "${command}" (the only command is "restore")\n\n${HELP}`);
    return 2;
  }
  if (!inDir || !outDir || extra.length) {
    err(`heirloom restore: expected <in-dir> <out-dir>${extra.length ? `, got extra arguments: ${extra.join(' ')}` : ''}\n\n${HELP}`);
    return 2;
  }
  if (!v.recipe) {
    err(`heirloom restore: --recipe is required, e.g. --recipe upscale:2\n\n${recipeHelp()}`);
    return 2;
  }
  const positiveInt = (name: string, text: string | undefined, max = 1024): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}, got "${text}"`);
    return n;
  };
  try {
    const recipe = parseRecipe(v.recipe);
    const format = v.format!.toLowerCase().replace(/^jpg$/, 'jpeg');
    if (!['png', 'jpeg', 'webp'].includes(format)) throw new UsageError(`--format must be png, jpeg or webp, got "${v.format}"`);
    const quality = positiveInt('quality', v.quality, 100)!;
    let shard: Shard | undefined;
    try {
      if (v.shard !== undefined && /^auto\b/.test(v.shard.trim())) {
        const found = shardFromScheduler(v.shard, process.env);
        shard = found.shard;
        err(`heirloom: --shard auto: ${found.source}: shard ${shard.index}/${shard.count}`);
      } else if (v.shard !== undefined) shard = parseShard(v.shard);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const modelsDir = v.models ?? process.env.HEIRLOOM_MODELS ?? fileURLToPath(new URL('../public/models/', import.meta.url));
    const summary = await restore({
      inDir,
      outDir,
      recipe,
      modelsDir,
      format: format as CliFormat,
      quality,
      keepNames: v['keep-names']!,
      shard,
      workers: positiveInt('workers', v.workers),
      threads: positiveInt('threads', v.threads),
      workerUrl: new URL('./worker.mjs', import.meta.url),
      dryRun: v['dry-run'],
      findPrint: v['find-print'],
    });
    const secs = summary.ms / 1000;
    const rate = summary.done && secs ? `, ${(summary.done / secs).toFixed(2)} photos/s, ${Math.round(summary.ms / summary.megapixels)} ms/MP (input)` : '';
    err(
      `heirloom: ${formatRecipe(recipe)}: ${summary.done} restored, ${summary.skipped} skipped (already done), ` +
        `${summary.failed.length} failed in ${formatDuration(summary.ms)}${rate}`,
    );
    if (v['find-print']) err(`heirloom: find-print: ${summary.printsFound} print(s) straightened and cropped`);
    for (const [stage, skips] of Object.entries(summary.stageSkips)) {
      if (stage === 'capture') {
        err(`heirloom: find-print: no print found in ${skips.length} photo(s), restored as they were:`);
        for (const s of skips) err(`  ${s.rel}: ${s.message}`);
        continue;
      }
      // Every stage but colorize skips only photos that need nothing from it.
      if (stage !== 'colorize') {
        err(`heirloom: ${stage} left ${skips.length} photo(s) as they were (nothing to fix)`);
        continue;
      }
      err(`heirloom: ${stage} skipped ${skips.length} photo(s):`);
      for (const s of skips) err(`  ${s.rel}: ${s.message}`);
    }
    if (summary.failed.length) {
      err(`Failed (originals untouched; fix or remove them and re-run to retry):`);
      for (const f of summary.failed) err(`  ${f.rel}: ${f.message}`);
    }
    if (summary.fatal) err(`heirloom: stopped: ${summary.fatal}`);
    if (summary.interrupted) {
      err('heirloom: interrupted; run the same command again to resume.');
      return 130;
    }
    return summary.failed.length || summary.fatal ? 1 : 0;
  } catch (e) {
    if (e instanceof RecipeError || e instanceof UsageError) {
      err(`heirloom: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

// Run when executed (bin/heirloom.mjs imports this bundle and calls main itself).
export async function run(argv = process.argv.slice(2)): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (e) {
    process.stderr.write(`heirloom: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  }
}
