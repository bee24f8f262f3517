import { ConfigError, parseConfig } from '../../source/config/load-config.js';

/** The problems a config error lists for `text`; fails the test when the text loads. */
export function problemsOf(text: string, file = '/srv/project/hosts.toml') {
	try {
		parseConfig(text, file);
	} catch (error) {
		if (error instanceof ConfigError) return error.problems;
		throw error;
	}
	throw new Error('expected a ConfigError');
}
