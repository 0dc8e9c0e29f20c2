#!/usr/bin/env bash
# Fails when a msgid in the code or templates has no Chinese text: extracts the
# catalogue afresh (makemessages, as locale/README.md says) in a scratch copy of
# the tree, so the committed django.po is never rewritten, and lists every entry
# that is untranslated or fuzzy there. Run by scripts/test.sh; about 2 seconds.
#
#   scripts/check_translations.sh [venv]     (default .venv)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-.venv}
[[ $venv = /* ]] || venv=$root/$venv
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The tree without the venv, git and uploads (tar: on every machine, unlike rsync).
tar -C "$root" --exclude=./.venv --exclude=./.git --exclude=./var --exclude=./node_modules \
    --exclude='*/__pycache__' -cf - . | tar -C "$scratch" -xf -
(cd "$scratch" && DJANGO_SETTINGS_MODULE=config.settings.local "$venv/bin/python" manage.py \
    makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=var --no-obsolete >/dev/null)

po=$scratch/locale/zh_Hans/LC_MESSAGES/django.po
untranslated=$(msgattrib --untranslated --no-wrap "$po" | sed '1,/^$/d')
fuzzy=$(msgattrib --only-fuzzy --no-wrap "$po" | sed '1,/^$/d')
if [[ -n $untranslated || -n $fuzzy ]]; then
    echo "check_translations: these msgids have no Chinese text in locale/zh_Hans/LC_MESSAGES/django.po" >&2
    echo "(update it as locale/README.md says: makemessages, translate, compilemessages)" >&2
    printf '%s\n' "$untranslated" "$fuzzy" | sed '/^$/d' >&2
    exit 1
fi
echo "check_translations: every msgid has Chinese text"
