/** `window.deploynet`: the page API (design contract, "In the page"). */
import type { DeployNetStats } from '../core/index.js';

export interface DeployNetPageApi {
  /** Figures for this page; see core/stats.ts. */
  stats(): Promise<DeployNetStats>;
  /** Resolves once the bridge has settled: peers connected, none to be had, or off. */
  readonly ready: Promise<void>;
}

declare global {
  interface Window {
    deploynet?: DeployNetPageApi;
  }
}

export function expose(win: Window, api: DeployNetPageApi): void {
  Object.defineProperty(win, 'deploynet', { value: Object.freeze(api), configurable: false, writable: false });
}
