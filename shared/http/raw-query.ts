/**
 * Query strings are passed on byte for byte: signed URLs and servers that tell `?flag` from
 * `?flag=` break when a query is re-serialised (`~` → `%7E`, `+` ↔ `%20`). Only Switchyard's
 * own `sy_*` parameters are cut out of the raw string, and their values read.
 */

/** The raw query without `sy_*` parameters, plus their decoded values (first one wins). */
export interface SplitQuery {
  /** `?…` as received minus `sy_*` pairs; '' when nothing is left. */
  readonly search: string;
  readonly switchyard: ReadonlyMap<string, string>;
}

const EMPTY: SplitQuery = { search: '', switchyard: new Map() };

function decodeFormComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** `search` is `URL.search` style (with or without the leading `?`). */
export function splitQuery(search: string): SplitQuery {
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return EMPTY;
  // Fast path: no escape and no `sy_` anywhere, so no name can decode to a Switchyard parameter
  // (`s%79_token` is `sy_token`: an escape anywhere in a name takes the slow path).
  if (!/%|sy_/i.test(raw)) return { search: `?${raw}`, switchyard: EMPTY.switchyard };
  const kept: string[] = [];
  const switchyard = new Map<string, string>();
  for (const pair of raw.split('&')) {
    const eq = pair.indexOf('=');
    const name = decodeFormComponent(eq < 0 ? pair : pair.slice(0, eq));
    if (name.toLowerCase().startsWith('sy_')) {
      if (!switchyard.has(name)) switchyard.set(name, eq < 0 ? '' : decodeFormComponent(pair.slice(eq + 1)));
      continue;
    }
    kept.push(pair);
  }
  return { search: kept.length === 0 ? '' : `?${kept.join('&')}`, switchyard };
}

/** Appends one parameter to a raw search string (`?a=1` + sy_token → `?a=1&sy_token=…`). */
export function appendParam(search: string, name: string, value: string): string {
  const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  return search === '' || search === '?' ? `?${pair}` : `${search}&${pair}`;
}
