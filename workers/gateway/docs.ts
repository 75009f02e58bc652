/**
 * The API's documentation on the gateway: `GET /openapi.json` (openapi.ts) and `GET /docs`, Swagger
 * UI served from the installed swagger-ui-dist package under `/docs/assets/*` (no CDN: the page
 * works on a machine without internet, and asks nothing of any other host).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Hono } from "hono";
import type { WorkerEnv } from "../../shared/worker/worker";
import packageJson from "../../package.json" with { type: "json" };
import { openApiDocument } from "./openapi";

/** The package's files the page loads, with their content types; nothing else of the folder is served. */
const assets: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/** Starts Swagger UI on /openapi.json; a file rather than an inline script, so a strict CSP can allow 'self' only. */
const initScript = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });\n`;

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>bunmesh API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
`;

function swaggerUiFolder(): string {
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

export function registerDocsRoutes(app: Hono<WorkerEnv>): void {
  const folder = swaggerUiFolder();
  app.get("/openapi.json", (c) => c.json(openApiDocument(packageJson.version)));
  app.get("/docs", (c) => c.html(page));
  app.get("/docs/assets/init.js", (c) => c.body(initScript, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const type = assets[file];
    if (!type) return c.json({ error: { code: "NOT_FOUND", message: `no asset ${file}` } }, 404);
    return c.body(await readFile(join(folder, file)), 200, { "content-type": type, "cache-control": "public, max-age=3600" });
  });
}
