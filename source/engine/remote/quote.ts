/** Quotes one word for POSIX sh. Every value that reaches a remote command goes through here. */
export function quote(value: string | number): string {
	const text = String(value);
	if (/^[A-Za-z0-9_/.:=@%+,-]+$/.test(text)) return text;
	return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Joins script lines; undefined and false entries are dropped so builders can use conditions inline. */
export function script(...lines: (string | false | undefined | readonly (string | false | undefined)[])[]): string {
	return lines
		.flat()
		.filter((line): line is string => typeof line === 'string' && line.length > 0)
		.join('\n');
}

/** What `{name}` placeholders in an operator-written command stand for (see `strategy.templateValues`). */
export type TemplateValues = Readonly<Record<string, string | number | undefined>>;

/** Fills {name} placeholders in an operator-written command with quoted values. */
export function fillTemplate(template: string, values: TemplateValues): string {
	return template.replace(/\{([a-z_]+)\}/g, (whole, key: string) => {
		const value = values[key];
		return value === undefined ? whole : quote(value);
	});
}

/** Lines a remote script prints for the engine start with this, so they can't be confused with tool output. */
export const marker = 'SY:';
