/** Joins this visitor's swarm on the signal node (core/swarm.ts) and returns peers to dial. */
import { DeployNetError, SWARM_JOIN_PATH, parseSwarmJoinResponse, type SwarmJoinRequest } from '../core/index.js';

export async function joinSwarm(signal: string, body: SwarmJoinRequest, timeoutMs: number): Promise<readonly string[]> {
  let response: Response;
  try {
    response = await fetch(`${signal}${SWARM_JOIN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new DeployNetError('SIGNAL_UNAVAILABLE', `signal node unreachable: ${String(error)}`);
  }
  if (!response.ok) throw new DeployNetError('SIGNAL_UNAVAILABLE', `swarm join answered ${response.status}`);
  return parseSwarmJoinResponse(await response.json()).peers;
}
