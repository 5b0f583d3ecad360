import { cpus, totalmem } from 'node:os';

/** The machine a benchmark ran on, recorded with its figures: these machines differ and are noisy. */
export function machine(): { cpus: number; cpuModel: string | undefined; memoryGiB: number; node: string } {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}
