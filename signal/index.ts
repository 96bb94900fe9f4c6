/** The signal package: a DeployNet signaling node (PeerServer + swarms + health/metrics). */
export { startSignalNode, type SignalNode, type SignalStats } from './signal-node.js';
export { resolveSignalConfig, SIGNAL_CONFIG_DEFAULTS, type SignalConfig, type SignalLog, type SignalOptions } from './signal-config.js';
export { SwarmRegistry, swarmKey, type RandomSource, type SwarmCounts } from './swarm-registry.js';
export { SignalMetrics, METRICS_CONTENT_TYPE, type MetricsGauges } from './metrics.js';
export { MAX_JOIN_BODY_BYTES } from './swarm-join-route.js';
export { MAX_WS_MESSAGE_BYTES } from './peer-server.js';
