/**
 * What the gateway's admin pages (/mesh, /mesh/traces, an order's page) share: HTML escaping, one
 * page frame with the same navigation and style, and facts written as a person reads them
 * ("2 min ago", "3 ms", "backlog 0") rather than as JSON.
 *
 * @example c.html(adminPage({ title: "Traces", active: "traces", body: "<table>…</table>" }));
 */

export const escapeHtml = (text: unknown) => String(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** "–" for nothing, else the value escaped. */
export const orDash = (value: unknown) => (value === null || value === undefined || value === "" ? "–" : escapeHtml(value));

/** "just now", "12 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function ago(ms: number): string {
  if (ms < 1_000) return "just now";
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} d ago`;
}

/** An ISO time as "3 min ago" (the exact time on hover); "–" for none. */
export function agoCell(iso: unknown, now = Date.now()): string {
  if (typeof iso !== "string" || Number.isNaN(Date.parse(iso))) return "–";
  return `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}">${ago(Math.max(0, now - Date.parse(iso)))}</time>`;
}

const style = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin-bottom:1em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;white-space:nowrap}td.wrap{white-space:normal;max-width:28em;overflow-wrap:anywhere}th{background:#f3f3f3}
nav a{margin-right:1.2em}nav a.active{font-weight:bold;text-decoration:none;color:#222}a{color:#1a5fb4}
.state.up{color:#080}.state.down{color:#c00;font-weight:bold}.state.not-ready{color:#b60}.bad{color:#c00;font-weight:bold}.warn{color:#b60}
.chip{display:inline-block;padding:0 6px;margin:0 2px 1px 0;border-radius:8px;color:#fff;font-size:12px}`;

export type AdminPageName = "dashboard" | "traces" | "order";

export interface AdminPage {
  title: string;
  active: AdminPageName;
  body: string;
  /** More CSS for this page. */
  style?: string;
  /** Script and stylesheet URLs, in order. */
  scripts?: string[];
  stylesheets?: string[];
}

export function adminPage(page: AdminPage): string {
  const link = (href: string, name: AdminPageName, text: string) => `<a href="${href}"${page.active === name ? ' class="active"' : ""}>${text}</a>`;
  const sheets = (page.stylesheets ?? []).map((href) => `<link rel="stylesheet" href="${href}">`).join("");
  const scripts = (page.scripts ?? []).map((src) => `<script src="${src}"></script>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)} · bunmesh</title>${sheets}<style>${style}${page.style ?? ""}</style></head>
<body><h1>bunmesh</h1><nav>${link("/mesh", "dashboard", "Dashboard")}${link("/mesh/traces", "traces", "Traces")}</nav>
${page.body}
${scripts}</body></html>
`;
}

/** A service's name on its colour (the same colour in every trace and chart). */
export function serviceChip(service: string, colours: Map<string, string>): string {
  return `<span class="chip" style="background:${colours.get(service) ?? "#888"}">${escapeHtml(service)}</span>`;
}
