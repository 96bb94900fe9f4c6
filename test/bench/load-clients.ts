/**
 * The clients of one bench:signal measurement, spread evenly over several load processes
 * (load-process.ts), and the relay runs between them: the schedule (who sends to whom, when) is
 * drawn here, each process sends its part on the shared clock, and every OFFER that arrives is
 * checked against the schedule (right receiver, right src, once).
 */
import { LoadProcess, type LoopDelay } from './load-process.js';
import { type ConnectOptions, type Endpoint, type Received, type Send, clockMs } from './peerjs-load.js';

export interface RelayRun {
  readonly sent: number;
  /** Arrivals that match the schedule, once each. */
  readonly received: readonly Received[];
  /** Arrivals at the wrong client, with the wrong src, or a second time. */
  readonly misrouted: number;
  /** From the first message's due time to the last send. */
  readonly sendMs: number;
  /** The worst of the load processes' event-loop delays while sending. */
  readonly loop: LoopDelay;
}

export interface LoadClientsOptions {
  readonly processes: number;
  readonly connect: ConnectOptions;
  /** How long to wait for the last OFFERs after sending stops. */
  readonly graceMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
/** Time for a schedule to reach the processes before its first message is due. */
const SCHEDULE_LEAD_MS = 500;

export class LoadClients {
  readonly #ids: string[][];
  #runs = 0;

  private constructor(
    private readonly processes: readonly LoadProcess[],
    /** The endpoint of each process: with two servers, process i connects to server i % 2. */
    private readonly endpoints: readonly Endpoint[],
    private readonly options: LoadClientsOptions,
  ) {
    this.#ids = processes.map(() => []);
  }

  /** Starts the processes; process i will connect to `servers[i % servers.length]`. */
  static async start(servers: readonly Endpoint[], options: LoadClientsOptions): Promise<LoadClients> {
    const processes = await Promise.all(Array.from({ length: options.processes }, () => LoadProcess.start()));
    return new LoadClients(processes, processes.map((_, i) => servers[i % servers.length]!), options);
  }

  get size(): number {
    return sum(this.#ids.map((ids) => ids.length));
  }

  /** Connects until `total` clients are held, the same number in every process. */
  async connectTo(total: number): Promise<void> {
    const per = Math.round(total / this.processes.length);
    await Promise.all(
      this.processes.map(async (p, i) => {
        const ids = this.#ids[i]!;
        ids.push(...(await p.connect(this.endpoints[i]!, per - ids.length, this.options.connect)));
      }),
    );
  }

  /**
   * OFFERs at `perSecond` for `durationMs` between random pairs: `across` false, from any client
   * to any other; true, from clients of even processes to clients of odd ones (with two servers:
   * from the first server's clients to the second's).
   */
  async relay(perSecond: number, durationMs: number, across: boolean): Promise<RelayRun> {
    const run = ++this.#runs;
    const total = Math.round((perSecond * durationMs) / 1000);
    const all = this.#ids.flatMap((ids, p) => ids.map((id) => ({ p, id })));
    const senders = across ? all.filter((c) => c.p % 2 === 0) : all;
    const receivers = across ? all.filter((c) => c.p % 2 === 1) : all;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
    const sends: Send[][] = this.processes.map(() => []);
    const expected: { src: string; dst: string }[] = [];
    for (let seq = 0; seq < total; seq++) {
      const from = pick(senders);
      let to = pick(receivers);
      while (to === from) to = pick(receivers);
      sends[from.p]!.push([seq, from.id, to.id]);
      expected.push({ src: from.id, dst: to.id });
    }
    await Promise.all(this.processes.map((p) => p.expect(run)));
    const startMs = clockMs() + SCHEDULE_LEAD_MS;
    const loops = await Promise.all(this.processes.map((p, i) => p.send({ run, startMs, perSecond, sends: sends[i]! })));
    const sendMs = clockMs() - startMs;
    const deadline = clockMs() + this.options.graceMs;
    while (clockMs() < deadline && sum(await Promise.all(this.processes.map((p) => p.count(run)))) < total) await sleep(50);
    const arrived = (await Promise.all(this.processes.map((p) => p.collect(run)))).flat();
    const seen = new Set<number>();
    const received = arrived.filter(([seq, , src, receiver]) => {
      const want = expected[seq];
      const ok = want !== undefined && want.src === src && want.dst === receiver && !seen.has(seq);
      seen.add(seq);
      return ok;
    });
    return {
      sent: total,
      received,
      misrouted: arrived.length - received.length,
      sendMs,
      loop: { p99Ms: Math.max(...loops.map((l) => l.p99Ms)), maxMs: Math.max(...loops.map((l) => l.maxMs)) },
    };
  }

  /** Every client leaves with a closing handshake. */
  async leave(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.leave()));
    for (const ids of this.#ids) ids.length = 0;
  }

  /** What the clients received besides OPEN and the bench's OFFERs, by type, over all processes. */
  async otherMessages(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const status of await Promise.all(this.processes.map((p) => p.status()))) {
      for (const [type, n] of Object.entries(status.other)) out[type] = (out[type] ?? 0) + n;
    }
    return out;
  }

  /** Ends the processes (their sockets close with them). */
  async kill(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill()));
  }
}
