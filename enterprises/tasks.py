from celery import shared_task
from django.core.management import call_command


@shared_task
def clean_orphan_uploads() -> None:
    call_command("clean_orphan_uploads")
