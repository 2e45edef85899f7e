/**
 * The daemons of a torture run: one, or several nodes sharing one data directory and one store,
 * each `posdrop serve` in its own process with its own ports and `store.node_id`. Partners reach
 * them as through a round-robin load balancer: each session goes to the next node.
 */
import { startDaemon, type Daemon } from './processes.js';
import type { DaemonLogs } from './daemon-logs.js';

export interface ClusterOptions {
  dataDir: string;
  /** The daemons' configuration file (JSON), the same for every node. */
  config: Record<string, unknown>;
  /** How many nodes (1: the single daemon as operators run it). */
  nodes: number;
  /** A `postgres://` URL every node opens; empty: the SQLite file of the data directory. */
  storeUrl: string;
}

/** A running node: its daemon and its log lines since it last started. */
export interface ClusterNode {
  index: number;
  daemon: Daemon;
  logs: DaemonLogs;
}

export class Cluster {
  private readonly running: (ClusterNode | undefined)[];
  private turn = 0;

  private constructor(private readonly options: ClusterOptions) {
    this.running = Array.from({ length: options.nodes }, () => undefined);
  }

  /**
   * Starts every node, one after the other: the first creates the host key and the schema, the
   * others find them.
   */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    try {
      for (let index = 0; index < options.nodes; index += 1) await cluster.restart(index);
    } catch (err) {
      await cluster.kill();
      throw err;
    }
    return cluster;
  }

  get size(): number {
    return this.running.length;
  }

  /** The nodes running now. */
  get nodes(): ClusterNode[] {
    return this.running.filter((node): node is ClusterNode => node !== undefined);
  }

  /** Node `index`, running. */
  node(index: number): ClusterNode {
    const node = this.running[index];
    if (!node) throw new Error(`node ${index + 1} is not running`);
    return node;
  }

  /** The node the next partner session goes to (round robin over all nodes, running or not). */
  next(): { index: number; port: number | undefined } {
    const index = this.turn % this.running.length;
    this.turn += 1;
    return { index, port: this.running[index]?.daemon.port };
  }

  /** The node's name in the store: empty for a lone node, as a single server runs. */
  nodeId(index: number): string {
    return this.options.nodes === 1 ? '' : `node-${index + 1}`;
  }

  /** Starts node `index` (again, on the same data directory and store, on new ports). */
  async restart(index: number): Promise<ClusterNode> {
    const env: NodeJS.ProcessEnv = { POSDROP_STORE_NODE_ID: this.nodeId(index) };
    if (this.options.storeUrl) env.POSDROP_STORE_URL = this.options.storeUrl;
    const daemon = await startDaemon({ dataDir: this.options.dataDir, config: this.options.config, logs: true, env });
    const node = { index, daemon, logs: daemon.logs as DaemonLogs };
    this.running[index] = node;
    return node;
  }

  /** `kill -9` of node `index`: a pulled plug; resolves once the process is gone. */
  async killNode(index: number): Promise<void> {
    const node = this.running[index];
    this.running[index] = undefined;
    await node?.daemon.kill('SIGKILL');
  }

  /** Stops every node with SIGTERM, as systemd would. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.daemon.stop()));
    this.running.fill(undefined);
  }

  /** `kill -9` of every node still running. */
  async kill(): Promise<void> {
    await Promise.all(this.running.map((_, index) => this.killNode(index)));
  }
}
