/** A FastDeploy-style progress line: {"name": "...", "state": "running|success|failure", "message": "..."}. */
export interface StepLine {
	readonly name: string;
	readonly state: 'running' | 'success' | 'failure';
	readonly message?: string;
}

const states = new Set(['running', 'success', 'failure']);

export function parseStepLine(line: string): StepLine | undefined {
	if (!line.startsWith('{') || !line.endsWith('}')) return undefined;
	try {
		const value = JSON.parse(line) as Record<string, unknown>;
		if (typeof value.name !== 'string' || typeof value.state !== 'string' || !states.has(value.state)) return undefined;
		const message = typeof value.message === 'string' ? value.message : undefined;
		return { name: value.name, state: value.state as StepLine['state'], ...(message ? { message } : {}) };
	} catch {
		return undefined;
	}
}
