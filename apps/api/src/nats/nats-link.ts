import type { Logger } from '@waybill/platform';
import { connect, type JetStreamClient, type NatsConnection } from 'nats';

const RETRY_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The API's NATS connection. The API starts and answers while NATS is down (so /health can say
 * so): when it owns the connection it keeps trying to connect in the background, and the nats
 * client reconnects by itself once connected.
 */
export class NatsLink {
  private connection: NatsConnection | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly owned: boolean,
    private readonly logger?: Logger,
  ) {}

  /** Uses a connection that its creator owns and closes. */
  static of(connection: NatsConnection): NatsLink {
    const link = new NatsLink(false);
    link.connection = connection;
    return link;
  }

  /**
   * Connects to `url`. Resolves after the first attempt whether or not it succeeded; after a
   * failure it keeps retrying in the background until it succeeds or the link is closed.
   */
  static async connect(url: string, logger: Logger): Promise<NatsLink> {
    const link = new NatsLink(true, logger);
    await link.attempt(url);
    return link;
  }

  private attempt(url: string): Promise<void> {
    return connect({
      servers: url,
      name: 'waybill-api',
      timeout: CONNECT_TIMEOUT_MS,
      maxReconnectAttempts: -1,
      reconnectTimeWait: RETRY_MS,
    }).then(
      async (connection) => {
        if (this.stopped) {
          await connection.close();
          return;
        }
        this.connection = connection;
        this.logger?.info({ server: connection.getServer() }, 'connected to NATS');
      },
      (error: unknown) => {
        if (this.stopped) return;
        this.logger?.warn({ err: error, url }, `NATS unreachable; retrying in ${RETRY_MS} ms`);
        this.retry = setTimeout(() => void this.attempt(url), RETRY_MS);
        this.retry.unref();
      },
    );
  }

  /** The live connection, or undefined while NATS is unreachable. */
  current(): NatsConnection | undefined {
    const connection = this.connection;
    return connection && !connection.isClosed() ? connection : undefined;
  }

  jetstream(): JetStreamClient | undefined {
    return this.current()?.jetstream();
  }

  /** Resolves when the server answers a ping; rejects when there is no connection. */
  async ping(): Promise<void> {
    const connection = this.current();
    if (!connection) throw new Error('not connected to NATS');
    await connection.flush();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.owned && this.connection && !this.connection.isClosed()) await this.connection.drain();
  }
}
