"""The container entrypoint and the shell scripts of make, CI and Docker stay runnable."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _test_database_url() -> str:
    """DATABASE_URL of the test database that pytest-django created and migrated."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


def test_entrypoint_migrates_collects_static_and_runs_the_command(
    request, db, tmp_path
):
    # `db` makes pytest-django create and migrate the test database. This test makes
    # no query itself, so its (lazy) transaction holds no lock against the
    # entrypoint's own connection, and no flush empties the tables afterwards as
    # transactional_db would.
    if request.config.getoption("nomigrations", default=False):
        pytest.skip("the test database was built without migrations")
    # Never point the entrypoint's migrate at a real database.
    assert connection.settings_dict["NAME"].startswith("test_"), (
        connection.settings_dict
    )
    static_root = tmp_path / "static"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(),
        "DJANGO_STATIC_ROOT": str(static_root),
        # The entrypoint calls `python`: this venv's, as the image's is its own.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("RUN_MIGRATIONS", None)

    result = subprocess.run(
        ["sh", "docker/entrypoint.sh", "python", "-c", "print('ok')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ok" in result.stdout.splitlines(), output
    assert "No migrations to apply." in result.stdout, output
    assert any(path.is_file() for path in static_root.rglob("*")), output


@pytest.mark.parametrize(
    ("shell", "script"),
    [
        ("bash", "scripts/test.sh"),
        ("bash", "scripts/system-packages.sh"),
        ("bash", ".ci/run"),
        ("sh", "docker/entrypoint.sh"),
    ],
)
def test_shell_script_syntax(shell, script):
    path = ROOT / script
    assert os.access(path, os.X_OK), f"{script} is not executable (chmod +x)"
    result = subprocess.run(
        [shutil.which(shell) or shell, "-n", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
