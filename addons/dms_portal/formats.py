# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""How dates and quantities are written in the texts of the DMS (portal
pages, messages, order timelines): used by the models and by the portal
alike"""
import datetime as dt
from decimal import Decimal


def format_date(value, lang):
    """A date (or the date of a timestamp) as a sentence of the language
    writes it: 2026年11月29日 in Chinese, ISO 8601 otherwise"""
    if not value:
        return ''
    if isinstance(value, dt.datetime):
        value = value.date()
    if lang and lang.startswith('zh'):
        return f'{value.year}年{value.month}月{value.day}日'
    return value.isoformat()



def format_quantity(value):
    "A quantity for a message: 2 and 2.5, not 2.0"
    return format(Decimal(repr(float(value))).normalize(), 'f')
