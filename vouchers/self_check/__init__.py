"""The public eligibility self-check: one serializer validates the input of
the API and the page (serializers.py), facts are built from it and the
program's rules run (selectors.py; nothing is stored), and the answer is
served as JSON (api.py) or as a page (views.py, forms.py)."""
