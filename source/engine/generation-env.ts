/** One `.env` value as written between double quotes: what shells and dotenv read back as the value. */
export const envValueText = (value: string): string => value.replace(/["\\$`]/g, (char) => `\\${char}`).replace(/\n/g, '\\n');

/** `.env` lines: KEY="value", escaped for shells and dotenv. */
export function envFileText(values: Readonly<Record<string, string>>): string {
	return Object.entries(values)
		.map(([key, value]) => `${key}="${envValueText(value)}"\n`)
		.join('');
}
