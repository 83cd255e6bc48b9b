# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer orders as XLSX workbooks for the portal's downloads.

Cells are written as values, never as formulas: a text beginning with "="
typed by someone in a reference or a note stays text (formula injection)."""
import io
import re

import xlsxwriter

from dms_portal.portal import N_

OPTIONS = {
    'in_memory': True,
    'strings_to_formulas': False,
    'strings_to_urls': False,
    'strings_to_numbers': False,
    }


def _workbook():
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, OPTIONS)
    formats = {
        'bold': workbook.add_format({'bold': True}),
        'head': workbook.add_format({
                'bold': True, 'font_color': '#FFFFFF', 'bg_color': '#1F5F8B'}),
        'money': workbook.add_format({'num_format': '#,##0.00'}),
        'date': workbook.add_format({'num_format': 'yyyy-mm-dd'}),
        'number': workbook.add_format({'num_format': '#,##0.####'}),
        }
    return output, workbook, formats


def _text(sheet, row, column, value, format=None):
    sheet.write_string(row, column, str(value or ''), format)


def order_xlsx(sale, _, states):
    "The order with its lines as an XLSX file (bytes)"
    output, workbook, formats = _workbook()
    sheet = workbook.add_worksheet(
        re.sub(r'[\[\]:*?/\\]', '-', sale.number or str(sale.id))[:31])
    info = [
        (N_("Order number"), sale.number),
        (N_("Dealer"), sale.dealer.rec_name if sale.dealer else ''),
        (N_("Your reference"), sale.external_reference or sale.reference),
        (N_("State"), states.get(sale.state, sale.state)),
        (N_("Order date"), sale.sale_date),
        (N_("Requested date"), sale.shipping_date),
        (N_("Delivery address"), sale.shipment_address.full_address.replace(
                '\n', ', ') if sale.shipment_address else ''),
        (N_("Note"), sale.comment),
        (N_("Currency"), sale.currency.code),
        ]
    row = 0
    for label, value in info:
        _text(sheet, row, 0, _(label), formats['bold'])
        if hasattr(value, 'isoformat'):
            sheet.write_datetime(row, 1, value, formats['date'])
        else:
            _text(sheet, row, 1, value)
        row += 1
    row += 1
    headers = [N_("Code"), N_("Product"), N_("Quantity"), N_("Unit"),
        N_("Unit price"), N_("Amount")]
    for column, header in enumerate(headers):
        _text(sheet, row, column, _(header), formats['head'])
    for line in sale.lines:
        if line.type != 'line':
            continue
        row += 1
        _text(sheet, row, 0, line.product.code if line.product else '')
        _text(sheet, row, 1,
            line.product.name if line.product else line.description)
        sheet.write_number(row, 2, line.quantity or 0, formats['number'])
        _text(sheet, row, 3, line.unit.symbol if line.unit else '')
        sheet.write_number(row, 4, line.unit_price or 0, formats['money'])
        sheet.write_number(row, 5, line.amount or 0, formats['money'])
    row += 2
    for label, amount in [
            (N_("Total excluding taxes"), sale.untaxed_amount),
            (N_("Taxes"), sale.tax_amount),
            (N_("Total"), sale.total_amount)]:
        _text(sheet, row, 4, _(label), formats['bold'])
        sheet.write_number(row, 5, amount or 0, formats['money'])
        row += 1
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 5, 14)
    workbook.close()
    return output.getvalue()


def orders_xlsx(sales, _, states):
    "A list of orders, one per row, as an XLSX file (bytes)"
    output, workbook, formats = _workbook()
    sheet = workbook.add_worksheet(_("Orders")[:31])
    headers = [N_("Number"), N_("Date"), N_("Your reference"), N_("State"),
        N_("Currency"), N_("Total excluding taxes"), N_("Total")]
    for column, header in enumerate(headers):
        _text(sheet, 0, column, _(header), formats['head'])
    for row, sale in enumerate(sales, 1):
        _text(sheet, row, 0, sale.number)
        if sale.sale_date:
            sheet.write_datetime(row, 1, sale.sale_date, formats['date'])
        _text(sheet, row, 2, sale.external_reference or sale.reference)
        _text(sheet, row, 3, states.get(sale.state, sale.state))
        _text(sheet, row, 4, sale.currency.code)
        sheet.write_number(
            row, 5, sale.untaxed_amount or 0, formats['money'])
        sheet.write_number(row, 6, sale.total_amount or 0, formats['money'])
    sheet.set_column(0, 6, 16)
    workbook.close()
    return output.getvalue()
