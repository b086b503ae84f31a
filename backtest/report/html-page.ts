export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A self-contained HTML page: inline CSS, inline SVG (drawn by ECharts on the server), no scripts or external assets. */
export function htmlPage(title: string, sections: ReadonlyArray<{ heading: string; html: string }>): string {
  const body = sections.map((s) => `<section><h2>${escapeXml(s.heading)}</h2>${s.html}</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:960px;color:#111}
table{border-collapse:collapse;font-size:13px;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f4f4f5}
section{margin-bottom:2rem}
pre{background:#f4f4f5;padding:.5rem;overflow:auto}
</style></head><body><h1>${escapeXml(title)}</h1>
${body}
</body></html>
`;
}

export function htmlTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = headers.map((h) => `<th>${escapeXml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}
