/**
 * Bytes and requests of this page by source, read from what the browser itself recorded:
 * Resource Timing entries carry the SW's `Server-Timing: deploynet;desc="<source>"`. The bridge's
 * own fill-in requests (marked with FILL_PARAM) are not the page's and are left out.
 */
import { FILL_PARAM, SOURCES, parseSource, type Source } from '../core/index.js';

export interface SourceTotals {
  readonly bytes: Record<Source, number>;
  readonly requests: Record<Source, number>;
}

interface TimingEntry {
  readonly name: string;
  readonly decodedBodySize: number;
  readonly serverTiming: readonly { readonly name: string; readonly description: string }[];
}

export function totalsFrom(entries: readonly TimingEntry[]): SourceTotals {
  const bytes = Object.fromEntries(SOURCES.map((s) => [s, 0])) as Record<Source, number>;
  const requests = { ...bytes };
  for (const entry of entries) {
    if (entry.name.includes(`${FILL_PARAM}=`)) continue; // the bridge's fill-in, not the page
    const timing = entry.serverTiming.find((t) => t.name === 'deploynet');
    const source = timing ? parseSource(timing.description) : undefined;
    if (!source) continue;
    bytes[source] += entry.decodedBodySize;
    requests[source] += 1;
  }
  return { bytes, requests };
}

export function pageTotals(performance: Performance): SourceTotals {
  const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
  return totalsFrom(entries);
}
