"""What bench/redemption.py serves with gunicorn: the site plus one bare
endpoint to compare against (never part of the site's own URLs)."""
