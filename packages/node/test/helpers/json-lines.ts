/**
 * Checks of raw JSON log text. JSON.parse keeps the last of two equal keys without a word, which is
 * exactly how a log pipeline misattributes a line: so keys are read from the text itself.
 */

/** Keys that occur more than once in one object of `json` (any depth), as `path.key`. Throws on bad JSON. */
export function duplicateKeys(json: string): string[] {
  const dups: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < json.length && ' \t\n\r'.includes(json[i] as string)) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`not JSON (${what} at ${i}): ${json.slice(0, 200)}`);
  };
  const string = (): string => {
    if (json[i] !== '"') fail('expected a string');
    const start = i++;
    while (i < json.length && json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
    if (i >= json.length) fail('unterminated string');
    i++;
    return JSON.parse(json.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = json[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (json[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = string();
        if (seen.has(key)) dups.push(`${path}${key}`);
        seen.add(key);
        ws();
        if (json[i++] !== ':') fail('expected ":"');
        value(`${path}${key}.`);
        ws();
        const sep = json[i++];
        if (sep === '}') return;
        if (sep !== ',') fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (json[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}${n}.`);
        ws();
        const sep = json[i++];
        if (sep === ']') return;
        if (sep !== ',') fail('expected "," or "]"');
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(json.slice(i, i + 64));
    if (m === null) fail('expected a value');
    i += (m as RegExpExecArray)[0].length;
  };
  value('');
  ws();
  if (i !== json.length) fail('trailing text');
  JSON.parse(json); // and it is JSON by the platform's own parser
  return dups;
}

/** Lines of `text` (the last may be partial only if `text` does not end in a newline). */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/** Lines that are not a single JSON object, or that carry a key twice: empty when the text is clean. */
export function badJsonLines(text: string): string[] {
  const bad: string[] = [];
  for (const line of linesOf(text)) {
    try {
      if (!line.startsWith('{')) throw new Error('not an object');
      const dups = duplicateKeys(line);
      if (dups.length > 0) bad.push(`duplicate ${dups.join(', ')}: ${line}`);
    } catch {
      bad.push(`not a JSON object: ${line}`);
    }
  }
  return bad;
}
