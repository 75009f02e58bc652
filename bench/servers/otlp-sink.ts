/** A tiny OTLP/HTTP sink for the traced order bench: answers 200 to every export and keeps nothing. Env: PORT. */
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env["PORT"] ?? 0),
  async fetch(request) {
    if (request.method === "POST") await request.arrayBuffer();
    return new Response(new Uint8Array(0), { status: 200, headers: { "content-type": "application/x-protobuf" } });
  },
});
