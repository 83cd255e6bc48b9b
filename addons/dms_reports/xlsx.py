# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rows of a list as an XLSX workbook (xlsxwriter).

The *Spreadsheet* print action of the reports (and of the planning views)
writes the selected rows with the columns of the model's list view, in the
user's language: numbers, dates and amounts as typed cells with their
formats (amounts with the symbol and the digits of their currency), the header frozen with
an autofilter, a sheet of the filters the rows were read with, and, for a
time series, a chart of its revenue (or first number) over the dates.
Cells are values, never formulas: a text beginning with "=" stays text."""
import datetime as dt
import io
from decimal import Decimal

import xlsxwriter
from lxml import etree

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction

OPTIONS = {
    'in_memory': True,
    'strings_to_formulas': False,
    'strings_to_urls': False,
    'strings_to_numbers': False,
    }
# The context keys shown on the filters sheet, with the field of the
# context model that names them
CONTEXT_KEYS = [
    'from_date', 'to_date', 'from_week', 'to_week', 'period', 'warehouse',
    'dealer', 'tier', 'territory', 'compare', 'product', 'category',
    'product_category', 'carrier', 'include_quotations']
# Fields of the list views that say nothing in a spreadsheet
SKIPPED = {'revenue_trend'}


def list_columns(Model):
    "[(name, field description)] of the model's default list view"
    view = Model.fields_view_get(view_type='tree')
    tree = etree.fromstring(view['arch'])
    columns = []
    for node in tree.iter('field'):
        name = node.get('name')
        if name in SKIPPED or name not in view['fields']:
            continue
        if node.get('tree_invisible') == '1':
            continue
        if name not in dict(columns):
            columns.append((name, view['fields'][name]))
    return columns


def workbook(Model, records, title, context_model=None):
    """The XLSX bytes of the records (in the order given) with the columns
    of Model's list view"""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, OPTIONS)
    head = book.add_format({
            'bold': True, 'font_color': '#FFFFFF', 'bg_color': '#1F5F8B',
            'text_wrap': True, 'valign': 'top'})
    date_format = book.add_format({'num_format': 'yyyy-mm-dd'})
    datetime_format = book.add_format({'num_format': 'yyyy-mm-dd hh:mm'})
    integer_format = book.add_format({'num_format': '#,##0'})
    number_formats = {}

    def number_format(digits, symbol=None):
        "The format of a number, of an amount with its currency's symbol"
        key = digits, symbol
        if key not in number_formats:
            pattern = '#,##0' + ('.' + '0' * digits if digits else '')
            if symbol:
                symbol = symbol.replace('"', '')
                if len(symbol) > 1:
                    symbol += ' '
                pattern = '"%s"%s' % (symbol, pattern)
            number_formats[key] = book.add_format({'num_format': pattern})
        return number_formats[key]

    columns = list_columns(Model)
    sheet = book.add_worksheet(_sheet_name(title))
    widths = []
    for col, (name, description) in enumerate(columns):
        label = description.get('string') or name
        sheet.write_string(0, col, label, head)
        widths.append(max(10, min(40, len(label) + 2)))
    for row, record in enumerate(records, 1):
        for col, (name, description) in enumerate(columns):
            value = getattr(record, name, None)
            width = _write(sheet, row, col, record, name, value,
                Model._fields.get(name), description, number_format,
                integer_format, date_format, datetime_format)
            widths[col] = max(widths[col], min(60, width))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    if columns:
        sheet.autofilter(0, 0, max(len(records), 1), len(columns) - 1)

    _filters_sheet(book, head, date_format, context_model)
    if 'date' in dict(columns) and records:
        _chart(book, Model, sheet, title, columns, len(records))
    book.close()
    return output.getvalue()


def _sheet_name(title):
    for char in '[]:*?/\\':
        title = title.replace(char, ' ')
    return title[:31] or 'Sheet1'


def _write(sheet, row, col, record, name, value, field, description,
        number_format, integer_format, date_format, datetime_format):
    "Write a typed cell and return its width in characters"
    if value is None:
        return 0
    if isinstance(field, fields.Many2One) or (
            field is not None and getattr(field, '_type', None)
            in {'many2one', 'reference'}):
        text = value.rec_name if hasattr(value, 'rec_name') else str(value)
        sheet.write_string(row, col, text)
        return len(text)
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
        return 5
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, int):
            sheet.write_number(row, col, value, integer_format)
        else:
            digits = _digits(record, field, description)
            sheet.write_number(row, col, float(value),
                number_format(digits, _symbol(record, field)))
        return len('{:,.2f}'.format(value)) + 1
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None),
            datetime_format)
        return 16
    if isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, date_format)
        return 10
    if field is not None and getattr(field, '_type', None) == 'selection':
        selection = dict(description.get('selection') or [])
        value = selection.get(value, value)
    if isinstance(value, (list, tuple)):
        value = ', '.join(getattr(v, 'rec_name', str(v)) for v in value)
    text = str(value)
    sheet.write_string(row, col, text)
    return len(text)


def _digits(record, field, description):
    "The digits of a number: its currency's or its field's"
    digits = getattr(field, 'digits', None)
    if isinstance(digits, str):
        # Monetary: the digits of the currency field
        currency = getattr(record, digits, None)
        if currency is not None and getattr(currency, 'digits', None) \
                is not None:
            return currency.digits
        return 2
    if isinstance(digits, (tuple, list)) and isinstance(digits[1], int):
        return digits[1]
    if description.get('type') == 'float':
        return 2
    return 2


def _symbol(record, field):
    "The currency symbol of an amount (a Monetary field), else None"
    name = getattr(field, 'currency', None)
    if isinstance(name, str):
        currency = getattr(record, name, None)
        return getattr(currency, 'symbol', None) or getattr(
            currency, 'code', None)


def _filters_sheet(book, head, date_format, context_model):
    "A sheet of the context the rows were read with"
    context = Transaction().context
    pool = Pool()
    sheet = book.add_worksheet(
        _sheet_name(gettext('dms_reports.msg_xlsx_filters')))
    sheet.write_string(0, 0, gettext('dms_reports.msg_xlsx_filter'), head)
    sheet.write_string(0, 1, gettext('dms_reports.msg_xlsx_value'), head)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 40)
    Context = pool.get(context_model) if context_model else None
    descriptions = Context.fields_get() if Context else {}
    row = 1
    for key in CONTEXT_KEYS:
        value = context.get(key)
        if value in (None, False, ''):
            continue
        description = descriptions.get(key, {})
        label = description.get('string') or key
        sheet.write_string(row, 0, label)
        if description.get('type') == 'many2one':
            Target = pool.get(description['relation'])
            value = Target(value).rec_name
        elif description.get('type') == 'selection':
            value = dict(description.get('selection') or []).get(
                value, value)
        elif description.get('type') == 'boolean':
            value = gettext('dms_reports.msg_xlsx_yes')
        if isinstance(value, str) and len(value) == 10 and value[4] == '-':
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                pass
        if isinstance(value, dt.date):
            sheet.write_datetime(row, 1, value, date_format)
        else:
            sheet.write_string(row, 1, str(value))
        row += 1


def _chart(book, Model, sheet, title, columns, count):
    "A chart sheet of the revenue (or first number) over the dates"
    names = [n for n, _ in columns]
    value = next((n for n in ['revenue', 'quantity', 'number']
            if n in names), None)
    if value is None:
        return
    date_col = names.index('date')
    value_col = names.index(value)
    chart = book.add_chart({'type': 'column' if count < 40 else 'line'})
    chart.add_series({
            'name': [sheet.name, 0, value_col],
            'categories': [sheet.name, 1, date_col, count, date_col],
            'values': [sheet.name, 1, value_col, count, value_col],
            })
    chart.set_title({'name': title})
    chart.set_legend({'none': True})
    chart.set_x_axis({'date_axis': True, 'num_format': 'yyyy-mm-dd'})
    chartsheet = book.add_chartsheet(
        _sheet_name(gettext('dms_reports.msg_xlsx_chart')))
    chartsheet.set_chart(chart)


class ReportXLSX(Report):
    __string__ = "Spreadsheet"
    __name__ = 'dms.reporting.xlsx'

    @classmethod
    def _execute(cls, records, header, data, action):
        pool = Pool()
        model = action.model or data.get('model')
        Model = pool.get(model)
        ids = [int(r) for r in records]
        rows = Model.browse(ids)
        title = Model.__names__().get('model') or model
        context_model = data.get('context_model') or _context_model(model)
        return 'xlsx', workbook(Model, rows, title, context_model)

    @classmethod
    def execute(cls, ids, data):
        oext, content, direct_print, name = super().execute(ids, data)
        pool = Pool()
        model = data.get('model')
        if model:
            Model = pool.get(model)
            name = Model.__names__().get('model') or name
        return oext, content, direct_print, name


def _context_model(model):
    "The context model of the first window action of the model"
    pool = Pool()
    ActWindow = pool.get('ir.action.act_window')
    actions = ActWindow.search([
            ('res_model', '=', model),
            ('context_model', '!=', None),
            ], limit=1)
    return actions[0].context_model if actions else None
