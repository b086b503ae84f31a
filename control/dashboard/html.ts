/** Escaping for the server-rendered pages: every value from the database goes through here. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The frame of every page: one stylesheet, optional scripts, no inline script or style (see the CSP in server.ts). */
export function page(title: string, body: string, options: { scripts?: readonly string[]; nav?: boolean } = {}): string {
  const scripts = (options.scripts ?? []).map((s) => `<script src="${escapeHtml(s)}" defer></script>`).join('');
  const nav =
    options.nav === false
      ? ''
      : `<nav><a href="/">Live</a> <a href="/traces">Traces</a> <a href="/#reports">Reports</a>` +
        `<form method="post" action="/logout" class="logout"><button type="submit">Sign out</button></form></nav>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Switchyard</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/dashboard.css">${scripts}</head>
<body><header><h1>Switchyard <span>${escapeHtml(title)}</span></h1>${nav}</header>
${body}
</body></html>
`;
}
