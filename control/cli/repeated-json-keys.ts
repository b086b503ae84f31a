/**
 * Keys a JSON text repeats within one object, in order. JSON.parse keeps the last and hides the
 * rest, while some log pipelines reject the line: log tests read the raw JSON line with this.
 */
export function repeatedJsonKeys(text: string): string[] {
  const repeated: string[] = [];
  const open: (Set<string> | null)[] = []; // an object's keys so far; null: an array
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      const keys = open.at(-1);
      if (text[next] === ':' && keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) repeated.push(key);
        keys.add(key);
      }
      i = end + 1;
      continue;
    }
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    i++;
  }
  return repeated;
}
