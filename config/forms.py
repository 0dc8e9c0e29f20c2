def valid_filters(form) -> dict:
    """The filter values that passed validation. An invalid filter is left
    out (and shown with its error) while the valid ones still apply."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])}
