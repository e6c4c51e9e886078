// Resolve hook of trace-loads.mjs (runs on the loader thread): reports each resolved module URL and who imported it.
let port;
export function initialize(data) {
  port = data.port;
}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage({ url: result.url, parent: context.parentURL ?? null });
  return result;
}
