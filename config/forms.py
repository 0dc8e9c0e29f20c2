from django.core.exceptions import ValidationError


def valid_filters(form) -> dict:
    """The filter values that passed validation. An invalid filter is left
    out (and shown with its error) while the valid ones still apply."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])}


def apply_service_error(form, exc) -> None:
    """Put a service's refusal (``ApplicationError``) beside the field it
    names, else above the form. A field the form does not have (the line
    items of a contract, say) becomes the error's code, so a template can
    show it beside its part of the page."""
    if exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        form.add_error(None, ValidationError(exc.message, code=exc.field or exc.code))


# The widget attributes of an amount typed in yuan (a phone shows digits and
# a decimal point; the browser offers no earlier values).
MONEY_INPUT_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}
