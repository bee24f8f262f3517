import type { HostConfig } from '../config/types.js';
import { LocalTransport } from './local.js';
import type { Transport } from './transport.js';
import { TransportError } from './transport.js';

/** Options that change how SSH hosts are reached (CLI flags). */
export interface SshOptions {
	/** ssh_config file to resolve aliases from; default ~/.ssh/config. */
	readonly configFile?: string;
	/** known_hosts file; default from ssh_config's UserKnownHostsFile, else ~/.ssh/known_hosts. */
	readonly knownHostsFile?: string;
	/** Record keys of hosts not yet in known_hosts (OpenSSH's accept-new). Never overrides a changed key. */
	readonly acceptNewHostKeys?: boolean;
}

export function transportFactory(_ssh: SshOptions = {}): (host: HostConfig) => Transport {
	return (host) => {
		if (host.transport.kind === 'local') return new LocalTransport();
		throw new TransportError(`${host.name}: SSH hosts are not supported yet`);
	};
}
