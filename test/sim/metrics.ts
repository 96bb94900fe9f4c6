/**
 * The figures a simulation collects: bytes by source over time (fixed-width buckets), the
 * online count, signal messages per node, page and file load times by source, uploads per
 * visitor against the limit, dials, bans and bad chunks.
 */
import type { Source } from '../../core/index.js';
import type { MessageKind } from './signal-model.js';
import type { Visitor } from './visitor.js';

export interface UploadRecord {
  readonly bytes: number;
  /** What the token bucket allowed over the visitor's time online: burst + rate · seconds. */
  readonly limit: number;
  readonly onlineMs: number;
}

export class Metrics {
  readonly origin: number[] = [];
  readonly peer: number[] = [];
  readonly cache: number[] = [];
  /** Sum of the per-second online counts in each bucket (divide by samples for the mean). */
  readonly onlineSum: number[] = [];
  readonly samples: number[] = [];
  /** Messages per node per bucket. */
  readonly signal: number[][];
  readonly pageLoads: Record<Source, number[]> = { cache: [], peer: [], origin: [] };
  readonly fileLoads: Record<Source, number[]> = { cache: [], peer: [], origin: [] };
  readonly uploads: UploadRecord[] = [];
  /** Origin bytes by why they came from the origin (page-load.ts's OriginReason). */
  readonly originBy: Record<string, number> = {};
  readonly dials = { opened: 0, failed: 0, refused: 0 };
  badServed = 0;
  badRejected = 0;
  bans = 0;
  abandoned = 0;
  filled = 0;
  originRequests = 0;
  arrivals = 0;
  peakOnline = 0;
  /** Origin bytes so far, and as they stood when the latest page finished loading. */
  originTotal = 0;
  originAtLastPageLoad = 0;
  pageBytesLoaded = 0;

  constructor(
    private readonly now: () => number,
    readonly bucketMs: number,
    nodes: number,
  ) {
    this.signal = Array.from({ length: nodes }, () => []);
  }

  private bucket(): number {
    return Math.floor(this.now() / this.bucketMs);
  }

  bytes(source: Source, n: number): void {
    if (source === 'origin') this.originTotal += n;
    const series = source === 'origin' ? this.origin : source === 'peer' ? this.peer : this.cache;
    add(series, this.bucket(), n);
  }

  message(node: number, _kind: MessageKind, n: number): void {
    add(this.signal[node]!, this.bucket(), n);
  }

  /** The online count, once per sample interval. */
  sample(online: number): void {
    const b = this.bucket();
    add(this.onlineSum, b, online);
    add(this.samples, b, 1);
    this.peakOnline = Math.max(this.peakOnline, online);
  }

  pageLoad(source: Source, ms: number, bytes: number): void {
    this.pageLoads[source].push(ms);
    this.originAtLastPageLoad = this.originTotal;
    this.pageBytesLoaded += bytes;
  }

  fileLoad(source: Source, ms: number): void {
    this.fileLoads[source].push(ms);
  }

  /** A visitor left (or the run ended): its uploads against what its bucket allowed. */
  departed(v: Visitor): void {
    if (v.malicious) return;
    const onlineMs = this.now() - v.arrivedAt;
    const limit = v.bucket ? v.bucket.capacity + (v.bucket.ratePerSec * onlineMs) / 1000 : Infinity;
    this.uploads.push({ bytes: v.uploadedBytes, limit, onlineMs });
  }
}

function add(series: number[], i: number, n: number): void {
  while (series.length <= i) series.push(0);
  series[i]! += n;
}
