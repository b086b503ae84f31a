export default {
  async fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    return new Response(`ok ${String(env['FIXTURES_JSON'])} ${new URL(request.url).pathname}`);
  },
};
