import type { Method, RequestOf, ResultOf } from './protocol.js';
import type { MethodHandlers, RequestContext, RequestHandler } from './types.js';

/** One `RequestHandler` from a function per method, each typed with its own params and result. */
export function dispatchTo(handlers: MethodHandlers): RequestHandler {
  return (request, context) => route(handlers, request, context);
}

function route<M extends Method>(
  handlers: MethodHandlers,
  request: RequestOf<M>,
  context: RequestContext,
): Promise<ResultOf<M>> {
  const handler = handlers[request.method];
  return handler(request.params, context);
}
