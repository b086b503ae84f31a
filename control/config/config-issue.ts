/** One problem found in a config file: where it is and what is wrong, so an operator can fix it. */
export interface ConfigIssue {
  readonly file: string;
  /** YAML path such as `apps[2].residency`; empty for the document itself. */
  readonly path: string;
  /** 1-based line, or null when the document could not be located (e.g. empty file). */
  readonly line: number | null;
  readonly message: string;
}

/** `file:line: path: message`, the shape editors and CI logs make clickable. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** Renders a path array (`['apps', 2, 'residency']`) as `apps[2].residency`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
