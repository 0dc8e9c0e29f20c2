#!/bin/sh
# Container entrypoint: migrate (unless RUN_MIGRATIONS=0), collect static files, then run the command.
set -eu

# Only the web service migrates; worker and beat set RUN_MIGRATIONS=0.
if [ "${RUN_MIGRATIONS:-1}" != "0" ]; then
    python manage.py migrate --noinput
fi

# Every service collects: templates rendered by the worker (PDFs) resolve static files too.
python manage.py collectstatic --noinput

exec "$@"
