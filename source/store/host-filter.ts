/**
 * The grid's `/` filter: `@tag` matches a tag, a pattern with `*` or `?` is a glob on the whole
 * name, anything else is a case-insensitive substring of the name. Empty matches everything.
 */
export interface FilterableHost {
	readonly name: string;
	readonly tags: readonly string[];
}

export function hostMatcher(filter: string): (host: FilterableHost) => boolean {
	const text = filter.trim();
	if (text === '') return () => true;
	if (text.startsWith('@')) {
		const tag = patternOf(text.slice(1));
		return (host) => host.tags.some((each) => tag(each));
	}
	if (/[*?]/.test(text)) {
		const name = patternOf(text);
		return (host) => name(host.name);
	}
	const needle = text.toLowerCase();
	return (host) => host.name.toLowerCase().includes(needle);
}

export function filterHosts<T extends FilterableHost>(hosts: readonly T[], filter: string): T[] {
	return hosts.filter(hostMatcher(filter));
}

/** Glob (`*`, `?`) anchored on both ends; without wildcards an exact, case-insensitive match. */
function patternOf(glob: string): (value: string) => boolean {
	const source = glob
		.split('')
		.map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
		.join('');
	const regex = new RegExp(`^${source}$`, 'i');
	return (value) => regex.test(value);
}
