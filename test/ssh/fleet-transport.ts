import { SshTransport, type SshTransportOptions } from '../../source/transport/ssh.js';
import type { Fleet } from '../fleet/fleet.js';

/**
 * A transport to a fleet host through the fleet's ssh_config, isolated from the machine's own
 * ~/.ssh and agent (home is the fleet dir, no SSH_AUTH_SOCK).
 */
export function fleetTransport(fleet: Fleet, target: string, options: Partial<SshTransportOptions> = {}): SshTransport {
	return new SshTransport({ target, configFile: fleet.sshConfigFile, home: fleet.dir, agentSocket: '', ...options });
}
