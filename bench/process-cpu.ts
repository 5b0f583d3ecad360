import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far by each running process, by pid, with its name. */
type Snapshot = ReadonlyMap<number, { readonly name: string; readonly seconds: number }>;

// Clock ticks per second of /proc/<pid>/stat: 100 on every Linux this runs on (`getconf CLK_TCK`).
const TICKS_PER_SECOND = 100;

function snapshot(): Snapshot {
  const found = new Map<number, { name: string; seconds: number }>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found; // not Linux: the report says null
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm)".
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      found.set(Number(entry), { name, seconds });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/**
 * CPU used by the processes that share the machine with the one measured (PostgreSQL, the NATS
 * server, this Node process) between `start()` and the call of the function it returns. On two
 * cores a benchmark's rate depends as much on what the database and the broker burn as on Node's
 * own work, so the report shows all three. Processes that start and end in between are missed;
 * the benches keep their connections open until after the end is taken.
 */
export function startCpuAccounting(): () => Record<string, number> | null {
  const before = snapshot();
  return () => {
    const after = snapshot();
    if (after.size === 0) return null;
    const totals: Record<string, number> = {};
    for (const [pid, { name, seconds }] of after) {
      const key = pid === process.pid ? 'node (this process)' : name;
      if (key !== 'node (this process)' && key !== 'postgres' && key !== 'nats-server') continue;
      const used = seconds - (before.get(pid)?.seconds ?? 0);
      totals[key] = +((totals[key] ?? 0) + used).toFixed(2);
    }
    return totals;
  };
}
