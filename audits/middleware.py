import re

from config.client_ip import client_ip

from .context import RequestContext, new_request_id, reset_context, set_context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Give each request an id (kept from a well-formed X-Request-ID header)
    and remember the client address for audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else new_request_id()
        request.request_id = request_id
        token = set_context(
            RequestContext(request_id=request_id, client_ip=client_ip(request))
        )
        try:
            response = self.get_response(request)
        finally:
            reset_context(token)
        response["X-Request-ID"] = request_id
        return response
