import { spawnSync } from 'node:child_process';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { describeEventStoreContract } from '../event-store.contract';
import { EsdbEventStore } from './esdb-event-store';

/**
 * Runs the contract against EventStoreDB: the server at EVENTSTORE_URL if set, otherwise a
 * container started with testcontainers (image EVENTSTORE_IMAGE, default eventstore/eventstore:24.10,
 * the server line @eventstore/db-client v6 targets).
 */
const EVENTSTORE_URL = process.env.EVENTSTORE_URL;
const IMAGE = process.env.EVENTSTORE_IMAGE || 'eventstore/eventstore:24.10';

/**
 * Whether a container runtime answers, decided while jest collects tests (describe callbacks
 * cannot await). testcontainers' own probe runs in a child process, bounded to 5 s so that a
 * half-configured Docker host cannot hang the suite.
 */
function containerRuntimeProblem(): string | undefined {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(require.resolve('testcontainers'))}).getContainerRuntimeClient().then(
         () => process.exit(0),
         (error) => { process.stderr.write(String(error && error.message)); process.exit(1); })`,
    ],
    { encoding: 'utf8', timeout: 5_000 },
  );
  if (probe.error) return `the container runtime check did not finish: ${probe.error.message}`;
  if (probe.status !== 0)
    return `no container runtime: ${probe.stderr.trim() || `probe exited with ${probe.status}`}`;
  return undefined;
}

const problem = EVENTSTORE_URL ? undefined : containerRuntimeProblem();

async function untilReachable(store: EsdbEventStore, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await store.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function startEventStore(): Promise<{ store: EsdbEventStore; cleanup: () => Promise<void> }> {
  let container: StartedTestContainer | undefined;
  let url = EVENTSTORE_URL;
  if (!url) {
    container = await new GenericContainer(IMAGE)
      .withCommand(['--insecure', '--mem-db', '--run-projections=None'])
      .withExposedPorts(2113)
      .withWaitStrategy(
        Wait.forHttp('/health/live', 2113).forStatusCodeMatching((code) => code >= 200 && code < 300),
      )
      .withStartupTimeout(120_000)
      .start();
    url = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
  }
  const store = EsdbEventStore.connect(url);
  await untilReachable(store);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await container?.stop();
    },
  };
}

if (problem === undefined) {
  describeEventStoreContract('EsdbEventStore', startEventStore);
} else {
  const banner = '='.repeat(100);
  // Straight to stderr: jest does not show console output of a file whose tests are all skipped.
  process.stderr.write(
    `\n${banner}\nEVENTSTOREDB CONTRACT SUITE NOT RUN: ${problem}\n` +
      'Set EVENTSTORE_URL (e.g. esdb://127.0.0.1:2113?tls=false) or make Docker available to run it.\n' +
      `${banner}\n`,
  );
  // Why skipped: the suite needs a real EventStoreDB, and `problem` says why none is reachable
  // (no EVENTSTORE_URL, no container runtime; the development machines and CI have neither, and
  // no EventStoreDB server can be installed there; DEVELOPERS.md says where the suite does run).
  // Registered as skipped, not left out and not passed: jest then counts every contract test as
  // skipped, so a run without EventStoreDB can never be mistaken for one that verified the adapter.
  describe.skip(`EVENTSTOREDB CONTRACT SUITE NOT RUN (${problem})`, () => {
    describeEventStoreContract('EsdbEventStore', startEventStore);
  });
}
