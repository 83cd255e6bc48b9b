# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer portal: the dealer's dashboard (revenue trend, top products,
orders by stage, what it saved through its tier) and its XLSX export.

The figures are those of the dealer of the session (``portal.dealer``),
never of a request parameter: the only parameter is the period."""
import io
import os

import xlsxwriter
from werkzeug.wrappers import Response

from dms_portal.portal import N_, register_nav, register_templates, route

from .portal_dashboard import DEFAULT_PERIOD, PERIODS

register_templates(os.path.join(os.path.dirname(__file__), 'www'))
register_nav('dashboard', N_("Dashboard"), sequence=35,
    model='sale.reporting.dealer')

XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
OPTIONS = {
    'in_memory': True,
    'strings_to_formulas': False,
    'strings_to_urls': False,
    'strings_to_numbers': False,
    }


def period_names(_):
    return {
        'week': _("Week"),
        'month': _("Month"),
        'quarter': _("Quarter"),
        }


def stage_names(_):
    "The dealer's words for the stages of an order (as on the orders' pages)"
    return {
        'received': _("Received"),
        'confirmed': _("Confirmed"),
        'in_production': _("In production"),
        'ready': _("Ready to ship"),
        'shipped': _("Shipped"),
        'delivered': _("Delivered"),
        'cancelled': _("Cancelled"),
        }


def period_label(portal, date, period):
    "The short name of the period beginning on date"
    _ = portal._
    if period == 'month':
        return _("%(year)s-%(month)02d", year=date.year, month=date.month)
    if period == 'quarter':
        return _("Q%(quarter)s %(year)s",
            year=date.year, quarter=(date.month - 1) // 3 + 1)
    return portal.format_date(date)


def _period(request):
    period = request.args.get('period', DEFAULT_PERIOD)
    return period if period in PERIODS else DEFAULT_PERIOD


def _figures(portal, period):
    pool = portal.pool
    Dealer = pool.get('dms.dealer')
    return Dealer.dms_dashboard(portal.dealer, period)


def _chart_data(portal, figures):
    "The values of the charts (numbers, not texts)"
    _ = portal._
    currency = figures['currency']
    stages = stage_names(_)
    return {
        'lang': 'zh-CN' if portal.lang == 'zh_CN' else 'en',
        'currency': currency.code,
        'digits': currency.digits,
        'labels': {
            'revenue': _("Revenue"),
            'orders': _("Orders"),
            'quantity': _("Quantity"),
            },
        'series': {
            'periods': [period_label(portal, s['date'], figures['period'])
                for s in figures['series']],
            'revenue': [float(s['revenue']) for s in figures['series']],
            'orders': [s['orders'] for s in figures['series']],
            },
        'products': {
            'names': [p['name'] for p in figures['products']],
            'codes': [p['code'] for p in figures['products']],
            'revenue': [float(p['revenue']) for p in figures['products']],
            'quantity': [p['quantity'] for p in figures['products']],
            },
        'stages': {
            'names': [stages.get(s, s) for s, _ in figures['stages']],
            'counts': [c for _, c in figures['stages']],
            },
        }


@route('/dashboard')
def dashboard(request, portal):
    period = _period(request)
    figures = _figures(portal, period)
    labels = [period_label(portal, s['date'], period)
        for s in figures['series']]
    saved_share = None
    if figures['list_amount']:
        saved_share = round(
            figures['saved'] * 100 / figures['list_amount'], 1)
    return portal.render('dashboard.html',
        figures=figures, period=period, periods=period_names(portal._),
        labels=labels, stages=stage_names(portal._), saved_share=saved_share,
        currency=figures['currency'], chart=_chart_data(portal, figures))


@route('/dashboard/export.xlsx')
def dashboard_export(request, portal):
    period = _period(request)
    figures = _figures(portal, period)
    content = dashboard_xlsx(portal, figures)
    filename = 'dashboard-%s-%s.xlsx' % (
        ''.join(c for c in portal.dealer.code or '' if c.isalnum())
        or 'dealer', period)
    return Response(content, mimetype=XLSX, headers={
            'Content-Disposition': 'attachment; filename="%s"' % filename,
            })


def dashboard_xlsx(portal, figures):
    """The dashboard's figures as an XLSX workbook (bytes): a sheet per
    period with revenue and orders, the top products, the totals; typed
    cells, frozen headers, autofilters"""
    _ = portal._
    currency = figures['currency']
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, OPTIONS)
    head = book.add_format({
            'bold': True, 'font_color': '#FFFFFF', 'bg_color': '#1F5F8B'})
    bold = book.add_format({'bold': True})
    date_format = book.add_format({'num_format': 'yyyy-mm-dd'})
    money = book.add_format({'num_format': '#,##0' + (
                '.' + '0' * currency.digits if currency.digits else '')})
    integer = book.add_format({'num_format': '#,##0'})
    number = book.add_format({'num_format': '#,##0.####'})

    def header(sheet, titles, widths):
        for col, (title, width) in enumerate(zip(titles, widths)):
            sheet.write_string(0, col, title, head)
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)

    sheet = book.add_worksheet(_("Revenue")[:31])
    titles = [_("Period start"), _("Period"), _("Revenue (%(currency)s)",
            currency=currency.code), _("Orders")]
    header(sheet, titles, [14, 14, 18, 10])
    for row, values in enumerate(figures['series'], 1):
        sheet.write_datetime(row, 0, values['date'], date_format)
        sheet.write_string(row, 1, period_label(
                portal, values['date'], figures['period']))
        sheet.write_number(row, 2, values['revenue'], money)
        sheet.write_number(row, 3, values['orders'], integer)
    sheet.autofilter(0, 0, max(len(figures['series']), 1), len(titles) - 1)

    sheet = book.add_worksheet(_("Top products")[:31])
    titles = [_("Code"), _("Product"), _("Quantity"),
        _("Revenue (%(currency)s)", currency=currency.code), _("Orders")]
    header(sheet, titles, [14, 36, 12, 18, 10])
    for row, values in enumerate(figures['products'], 1):
        sheet.write_string(row, 0, values['code'])
        sheet.write_string(row, 1, values['name'])
        sheet.write_number(row, 2, values['quantity'], number)
        sheet.write_number(row, 3, values['revenue'], money)
        sheet.write_number(row, 4, values['orders'], integer)
    sheet.autofilter(0, 0, max(len(figures['products']), 1), len(titles) - 1)

    sheet = book.add_worksheet(_("Summary")[:31])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 18)
    dealer = portal.dealer
    rows = [
        (_("Dealer"), dealer.rec_name, None),
        (_("From"), figures['from_date'], date_format),
        (_("To"), figures['to_date'], date_format),
        (_("Period"), period_names(_)[figures['period']], None),
        (_("Currency"), currency.code, None),
        (_("Revenue"), figures['revenue'], money),
        (_("Orders"), figures['orders'], integer),
        (_("At list prices"), figures['list_amount'], money),
        (_("Saved through your tier"), figures['saved'], money),
        ]
    for row, (label, value, format_) in enumerate(rows):
        sheet.write_string(row, 0, label, bold)
        if format_ is date_format:
            sheet.write_datetime(row, 1, value, format_)
        elif format_ is not None:
            sheet.write_number(row, 1, value, format_)
        else:
            sheet.write_string(row, 1, str(value or ''))
    book.close()
    return output.getvalue()
