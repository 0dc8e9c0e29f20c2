from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_kwargs={"max_retries": 5}
)
def send_email(
    *, subject: str, body: str, to: list[str], html: str | None = None
) -> int:
    """Send one already-rendered e-mail. Rendering happens in the request, in
    the recipient's language; the task only talks to the mail server."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")
