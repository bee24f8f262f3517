/**
 * pantherOS checks a build and its dry-activate for warnings before it switches. A warning is a
 * line as Nix and its tools print one: `warning: …`, `evaluation warning: …`, `trace: warning: …`.
 */
const warningLine = /^\s*(?:trace:\s+|evaluation\s+)?warning:\s/i;

export const isWarning = (line: string): boolean => warningLine.test(line);

/** The warning lines of a command's output, in order, each once. */
export function warningsIn(...texts: readonly string[]): string[] {
	return [...new Set(texts.flatMap((text) => text.split('\n')).map((line) => line.trimEnd()).filter(isWarning))];
}

/** At most this many are shown per host: a build that warns on every file must not fill a dialog. */
export const warningsShown = 20;

/** Adds new warnings to a list, each once. */
export function addWarnings(into: string[], found: readonly string[]): void {
	for (const line of found) {
		if (into.includes(line)) continue;
		into.push(line);
	}
}
