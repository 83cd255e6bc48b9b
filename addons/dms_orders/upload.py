# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Read the rows of a cart upload: a CSV or XLSX file of product codes and
quantities.

Nothing here trusts the file: its size, its encoding, its columns, its
number of rows and every cell are checked; a cell holding a formula is
refused (CSV formula injection).  Messages are portal strings marked with
N_ and translated by the caller."""
import csv
import io
import zipfile
from decimal import Decimal

from dms_portal.portal import N_

MAX_UPLOAD_SIZE = 2 * 1024 * 1024
MAX_ROWS = 200
# An XLSX file is read in bounded time and memory: at most so many bytes
# unpacked (an order of 200 lines takes about 50 KB, Excel's styles and
# theme about 30 KB), so many rows walked (empty ones included), and no row
# or column numbered beyond the limits (openpyxl walks every missing row
# up to the number of the next one)
MAX_UNCOMPRESSED_SIZE = 4 * 1024 * 1024
MAX_XLSX_ROW = 1000
MAX_XLSX_COLUMN = 50
# XML elements in a part of the workbook (sheet, shared strings, styles):
# 200 lines of 10 cells take about 5,000, Excel's styles about 1,000
MAX_XML_ELEMENTS = 50_000
FORMULA_PREFIXES = ('=', '+', '-', '@', '\t', '\r', '\n')
CODE_HEADERS = {
    'code', 'sku', 'product', 'product code', 'product_code', 'item',
    '编码', '产品编码', '商品编码', '型号', '产品型号', '物料编码'}
QUANTITY_HEADERS = {'quantity', 'qty', 'quantities', '数量', '订购数量'}
COLUMNS_ERROR = N_("The file needs a column of product codes and a column "
    "of quantities.")


class UploadError(Exception):
    "The whole file is refused: message (N_) and its variables"

    def __init__(self, message, **variables):
        super().__init__(message)
        self.message = message
        self.variables = variables


def _text(value):
    "A cell as text: numbers without a useless decimal part"
    if value is None:
        return ''
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    return str(value).strip()


def _is_formula(text):
    if not text or not text.startswith(FORMULA_PREFIXES):
        return False
    # A negative number is a (wrong) quantity, not a formula
    try:
        Decimal(text)
    except ArithmeticError:
        return True
    return False


def _csv_rows(data):
    if b'\0' in data:
        raise UploadError(N_("The file is neither a CSV nor an XLSX file."))
    for encoding in ['utf-8-sig', 'gb18030']:
        # Excel in Chinese saves CSV in GB18030 (GBK)
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UploadError(N_("The file is neither a CSV nor an XLSX file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=',;\t')
    except csv.Error:
        dialect = csv.excel
    try:
        for row in csv.reader(io.StringIO(text, newline=''), dialect):
            yield [c.strip() for c in row]
    except csv.Error:
        raise UploadError(N_("The file is neither a CSV nor an XLSX file."))


def _cell_position(reference):
    "The (row, column) of a cell reference such as AB12, or None"
    letters = reference.rstrip('0123456789')
    digits = reference[len(letters):]
    if (not letters or not digits or len(letters) > 3
            or not letters.isascii() or not letters.isalpha()):
        return None
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - ord('A') + 1
    return int(digits), column


def _check_parts(archive):
    """Refuse a workbook with an XML part of more than MAX_XML_ELEMENTS
    elements, or whose sheets have more than MAX_XLSX_ROW rows, or a row or
    a cell numbered beyond the limits, before openpyxl reads it: one pass
    over the XML of the parts, each element forgotten once read"""
    from defusedxml.ElementTree import iterparse
    too_many = UploadError(N_("The file has more than %(max)s lines: "
            "split it."), max=MAX_XLSX_ROW)
    for info in archive.infolist():
        if not info.filename.endswith(('.xml', '.rels')):
            continue
        sheet = 'worksheets/' in info.filename
        rows = elements = 0
        with archive.open(info) as part:
            for _, element in iterparse(part, events=('end',)):
                elements += 1
                if elements > MAX_XML_ELEMENTS:
                    raise UploadError(N_("The file holds too much besides "
                            "its lines: copy them into a new file."))
                tag = element.tag.rsplit('}', 1)[-1]
                if sheet and tag == 'row':
                    rows += 1
                    number = element.get('r')
                    if rows > MAX_XLSX_ROW or (number is not None and (
                                not number.isdigit()
                                or int(number) > MAX_XLSX_ROW)):
                        raise too_many
                elif sheet and tag == 'c' and element.get('r') is not None:
                    position = _cell_position(element.get('r'))
                    if position is None:
                        raise UploadError(N_(
                                "The file is neither a CSV nor an XLSX "
                                "file."))
                    if position[0] > MAX_XLSX_ROW:
                        raise too_many
                    if position[1] > MAX_XLSX_COLUMN:
                        raise UploadError(N_(
                                "The file has more than %(max)s columns."),
                            max=MAX_XLSX_COLUMN)
                element.clear()


def _xlsx_rows(data):
    import openpyxl
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(i.file_size for i in archive.infolist())
            if size > MAX_UNCOMPRESSED_SIZE:
                # A small file that unpacks into a huge one (zip bomb)
                raise UploadError(
                    N_("The file is larger than %(size)s MB."),
                    size=MAX_UPLOAD_SIZE // (1024 * 1024))
            _check_parts(archive)
    except UploadError:
        raise
    except Exception:
        raise UploadError(N_("The file is neither a CSV nor an XLSX file."))
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(
                max_row=MAX_XLSX_ROW, max_col=10, values_only=True):
            yield [_text(c) for c in row]
        workbook.close()
    except UploadError:
        raise
    except Exception:
        # openpyxl raises many kinds of errors on damaged files
        raise UploadError(N_("The file is neither a CSV nor an XLSX file."))


def _columns(header):
    "The positions of the code and quantity columns if header is a header"
    names = [h.strip().lower() for h in header]
    code = next((i for i, n in enumerate(names) if n in CODE_HEADERS), None)
    quantity = next(
        (i for i, n in enumerate(names) if n in QUANTITY_HEADERS), None)
    return code, quantity


def _is_number(text):
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def read_rows(filename, data):
    """The rows of the file: [(row number, code, quantity text, error)]

    error is None or a message (N_) for a row that must not be ordered.
    Raise UploadError when the file as a whole is refused."""
    if not data:
        raise UploadError(N_("The file is empty."))
    if len(data) > MAX_UPLOAD_SIZE:
        raise UploadError(
            N_("The file is larger than %(size)s MB."),
            size=MAX_UPLOAD_SIZE // (1024 * 1024))
    name = (filename or '').lower()
    if data.startswith(b'PK\x03\x04') or name.endswith('.xlsx'):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise UploadError(
                N_("The file is neither a CSV nor an XLSX file."))
        rows = _xlsx_rows(data)
    elif name.endswith(('.xls', '.ods', '.numbers')):
        raise UploadError(N_("Save the file as CSV or XLSX and send it "
                "again."))
    else:
        rows = _csv_rows(data)

    result = []
    code_column, quantity_column = 0, 1
    first = True
    for number, row in enumerate(rows, 1):
        if not any(row):
            continue
        if first:
            first = False
            code, quantity = _columns(row)
            if code is not None or quantity is not None:
                if code is None or quantity is None:
                    raise UploadError(COLUMNS_ERROR)
                code_column, quantity_column = code, quantity
                continue
            if len([c for c in row if c]) < 2 or not (
                    _is_number(row[1]) or _is_formula(row[1])):
                # No quantity in the second column: a header we do not know
                raise UploadError(COLUMNS_ERROR)
        if len(result) >= MAX_ROWS:
            raise UploadError(N_("The file has more than %(max)s lines: "
                    "split it."), max=MAX_ROWS)
        code = row[code_column] if len(row) > code_column else ''
        quantity = row[quantity_column] if len(row) > quantity_column else ''
        error = None
        if _is_formula(code) or _is_formula(quantity):
            error = N_("Formulas are not accepted: enter a product code "
                "and a number.")
        result.append((number, code[:64], quantity[:32], error))
    if not result:
        raise UploadError(N_("The file has no lines to order."))
    return result
