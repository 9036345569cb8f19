#!/bin/bash
# Restores an archive on a Slurm cluster as a job array: 8 tasks, ids 1..8. `--shard auto`
# reads SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT and makes
# task 1 shard 0/8, ..., task 8 shard 7/8 (any --array range or step works).
# Each task skips photos whose output exists: resubmit the same script to finish failed tasks.
#
#   apptainer build heirloom-cli.sif docker-daemon://heirloom-cli:latest   # from examples/cli/Dockerfile
#   sbatch examples/cli/slurm-array.sh /shared/scans /shared/restored
#
#SBATCH --job-name=heirloom
#SBATCH --array=1-8
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=08:00:00
#SBATCH --output=heirloom-%A_%a.log
set -euo pipefail
IN=${1:?usage: sbatch slurm-array.sh <in-dir> <out-dir> [recipe]}
OUT=${2:?usage: sbatch slurm-array.sh <in-dir> <out-dir> [recipe]}
RECIPE=${3:-auto}

# The CLI uses the cores Slurm gave this task (it counts the CPUs it may run on).
srun apptainer run --bind "$IN:$IN:ro" --bind "$OUT:$OUT" heirloom-cli.sif \
  restore "$IN" "$OUT" --recipe "$RECIPE" --shard auto
# Without containers, from a checkout with `npm ci && npm run build:cli` done:
#   srun node bin/heirloom.mjs restore "$IN" "$OUT" --recipe "$RECIPE" --shard auto
