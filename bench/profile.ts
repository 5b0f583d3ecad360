import { writeFileSync } from 'node:fs';

/**
 * Starts the V8 CPU profiler in this process, for the measured phase of a bench only (setup
 * excluded). The function returned stops it and writes a `.cpuprofile` (Chrome DevTools, or
 * speedscope) to `file`.
 */
export async function startProfile(file: string): Promise<() => Promise<void>> {
  const inspector = await import('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
  };
}
