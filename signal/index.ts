/** The signal package: a DeployNet signaling node (PeerServer + swarms + limits + health/metrics). */
export { startSignalNode, type SignalNode, type SignalStats } from './signal-node.js';
export { resolveSignalConfig, SIGNAL_CONFIG_DEFAULTS, MAX_WS_MESSAGE_BYTES, type SignalConfig, type SignalOptions } from './signal-config.js';
export { signalOptionsFromCommandLine, signalEnvName, SIGNAL_FLAGS, SIGNAL_ENV_PREFIX } from './signal-settings.js';
export { jsonLineLog, LOG_LEVELS, type LogLevel, type LogThreshold, type SignalLog, type SignalLogEntry } from './signal-log.js';
export { REJECTIONS, SIGNAL_REJECTION_CODES, type Rejection, type SignalRejectionCode } from './rejections.js';
export { SwarmRegistry, swarmKey, type SwarmCounts } from './swarm-registry.js';
export { selectSwarmPeers, type SwarmMember } from './swarm-selection.js';
export { SignalMetrics, METRICS_CONTENT_TYPE, RELAYED_TYPES, type MetricsGauges } from './metrics.js';
export { MAX_JOIN_BODY_BYTES } from './swarm-join-route.js';
