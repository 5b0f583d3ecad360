import { startCpuAccounting } from './process-cpu';
import { startProfile } from './profile';

/** What a bench measured of one phase. */
export interface PhaseMeasurement {
  readonly seconds: number;
  /** Share of the phase this process's event loop was busy. */
  readonly eventLoopUtilisation: number;
  /** CPU seconds of this process, PostgreSQL and nats-server (null off Linux). */
  readonly cpuSeconds: Record<string, number> | null;
}

/**
 * Starts measuring the phase a bench times: wall time, event-loop use, the CPU of this process, of
 * PostgreSQL and of the NATS server, and a CPU profile of this process when `BENCH_PROFILE` names
 * a file. The function returned ends it, prints one line to stderr and returns the figures.
 */
export async function startPhase(label: string): Promise<() => Promise<PhaseMeasurement>> {
  const profiler = process.env.BENCH_PROFILE ? await startProfile(process.env.BENCH_PROFILE) : null;
  const eventLoop = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const cpuAccounting = startCpuAccounting();
  const started = performance.now();
  return async () => {
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuAccounting();
    const utilisation = performance.eventLoopUtilization(eventLoop).utilization;
    const used = process.cpuUsage(cpu);
    await profiler?.();
    process.stderr.write(
      `\n${label} phase: event-loop utilisation ${utilisation.toFixed(2)}, cpu user ${(used.user / 1e6).toFixed(2)} s system ${(used.system / 1e6).toFixed(2)} s\n`,
    );
    return { seconds, eventLoopUtilisation: +utilisation.toFixed(2), cpuSeconds };
  };
}

/** The value after `--<name>` on the command line, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
