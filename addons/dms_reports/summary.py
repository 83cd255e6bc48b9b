# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The sales summary: what Tryton's sale reports aggregate, by day, customer
and product, kept as the sales change.

A row holds the sum of the lines of sales in a reporting state (Tryton's
``_sale_states``: confirmed, processing, done) for one key: company, sale
date, customer, dealer, currency, warehouse, delivery address and either
nothing (kind ``order``: every line), a product (kind ``product``) or a
product category (kind ``category``, through the categories of the
product's template as Tryton's category report joins them).  Amounts are in
the sale's currency (Tryton's reports convert them at the sale date's rate),
quantities in the product's default unit, and ``number`` counts the distinct
sales of the key: an order has one key, so the counts add up over any
grouping of keys.

The table is a ledger of additions: a change of a sale or of its lines adds
the difference it makes (its sales' contribution after the change minus the
one before), never updates a row, so that concurrent changes and the
nightly rebuild never overwrite each other; several rows of one key add up.
``rebuild`` replaces everything with one row per key (scheduled every
night: it also merges the additions of the day)."""
import datetime as dt
import logging
import weakref
from contextlib import contextmanager
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce

from trytond import backend
from trytond.model import Index, ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)

KINDS = ['order', 'product', 'category']
# The columns of a key, in the table's order
KEY = [
    'kind', 'company', 'date', 'customer', 'dealer', 'currency', 'warehouse',
    'shipment_address', 'product', 'category']
VALUES = ['quantity', 'amount', 'number']
# The fields of a sale and of a line whose change changes the summary
# (lines: their own changes are watched by the lines)
SALE_FIELDS = {
    'state', 'sale_date', 'company', 'party', 'dealer', 'currency',
    'warehouse', 'shipment_address'}
LINE_FIELDS = {
    'sale', 'product', 'quantity', 'actual_quantity', 'unit', 'unit_price',
    'type'}


def reporting_states():
    "The sale states Tryton's sale reports count"
    pool = Pool()
    return pool.get('sale.reporting.main')._sale_states()


class Summary(ModelSQL):
    "Sales Summary"
    __string__ = "Sales Summary"
    __name__ = 'dms.reporting.summary'

    kind = fields.Selection([
            ('order', "Order"),
            ('product', "Product"),
            ('category', "Category"),
            ], "Kind", required=True)
    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date("Date")
    customer = fields.Many2One('party.party', "Customer")
    dealer = fields.Many2One('dms.dealer', "Dealer")
    currency = fields.Many2One('currency.currency', "Currency")
    warehouse = fields.Many2One('stock.location', "Warehouse")
    shipment_address = fields.Many2One('party.address', "Shipment Address")
    product = fields.Many2One('product.product', "Product")
    category = fields.Many2One('product.category', "Category")
    quantity = fields.Float("Quantity")
    amount = fields.Numeric("Amount")
    number = fields.Integer("Number")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # The reports read one kind of one company over a range of dates,
        # often for one dealer or one product
        cls._sql_indexes.update({
                Index(t,
                    (t.company, Index.Equality()),
                    (t.kind, Index.Equality()),
                    (t.date, Index.Range())),
                Index(t,
                    (t.dealer, Index.Equality()),
                    (t.date, Index.Range())),
                Index(t,
                    (t.product, Index.Equality()),
                    (t.date, Index.Range())),
                })

    @classmethod
    def __register__(cls, module):
        pool = Pool()
        Company = pool.get('company.company')
        created = not backend.TableHandler.table_exist(cls._table)
        super().__register__(module)
        if created:
            # The sales of a database where the module is activated late
            cls.rebuild()
        # A company currency without rate hides every sale from the reports
        with Transaction().set_context(active_test=False):
            Company.dms_ensure_rate(Company.search([]))

    @classmethod
    def _contribution(cls, kind, condition=None):
        """The query of the summary rows of kind that the sales in a
        reporting state matched by condition(sale table) add up to"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        TemplateCategory = pool.get('product.template-product.category.all')
        sale = Sale.__table__()
        line = Line.__table__()
        product = Product.__table__()
        template = Template.__table__()
        line_unit = Uom.__table__()
        default_unit = Uom.__table__()

        from_ = (line
            .join(sale, condition=line.sale == sale.id)
            .join(product, 'LEFT', condition=line.product == product.id)
            .join(template, 'LEFT', condition=product.template == template.id)
            .join(line_unit, 'LEFT', condition=line.unit == line_unit.id)
            .join(default_unit, 'LEFT',
                condition=template.default_uom == default_unit.id))
        # Tryton's reports: the actual quantity once known; ours in the
        # product's default unit
        quantity = Coalesce(line.actual_quantity, line.quantity)
        converted = quantity * line_unit.factor / default_unit.factor
        # (exact: the quantity is a float column, which would make the
        # product a float on PostgreSQL)
        amount = cls.amount.sql_cast(quantity) * line.unit_price
        # (typed: PostgreSQL does not guess the type of a parameter)
        group_by = []
        product_column = cls.product.sql_cast(Literal(None))
        category_column = cls.category.sql_cast(Literal(None))
        where = sale.state.in_(reporting_states())
        if condition is not None:
            where &= condition(sale)
        if kind == 'product':
            product_column = line.product
            group_by.append(line.product)
            where &= line.product != Null
        elif kind == 'category':
            template_category = TemplateCategory.__table__()
            from_ = from_.join(template_category,
                condition=product.template == template_category.template)
            category_column = template_category.category
            group_by.append(template_category.category)
            where &= template_category.category != Null
        key = [
            cls.kind.sql_cast(Literal(kind)), sale.company, sale.sale_date,
            sale.party, sale.dealer, sale.currency, sale.warehouse, sale.shipment_address,
            product_column, category_column]
        return from_.select(
            *key,
            Sum(converted) if kind != 'order'
            else cls.quantity.sql_cast(Literal(None)),
            Sum(amount), Count(sale.id, distinct=True),
            where=where,
            group_by=key[1:8] + group_by)

    @classmethod
    def _read(cls, sale_ids):
        """{key: [quantity, amount, number]} that the sales add to the
        summary now"""
        cursor = Transaction().connection.cursor()
        result = {}
        for sub_ids in grouped_slice(sale_ids, backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            for kind in KINDS:
                cursor.execute(*cls._contribution(
                        kind, lambda sale: reduce_ids(sale.id, sub_ids)))
                for row in cursor:
                    key = tuple(_normalize(v) for v in row[:len(KEY)])
                    value = result.setdefault(key, [0.0, Decimal(0), 0])
                    quantity, amount, number = row[len(KEY):]
                    value[0] += quantity or 0
                    value[1] += _decimal(amount)
                    value[2] += number or 0
        return result

    @classmethod
    def record(cls, before, after):
        """Add the difference between the contributions before and after a
        change ({key: values} of _read)"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        rows = []
        for key in sorted(before.keys() | after.keys(), key=_sort_key):
            old = before.get(key, [0.0, Decimal(0), 0])
            new = after.get(key, [0.0, Decimal(0), 0])
            delta = [n - o for n, o in zip(new, old)]
            if not any(delta):
                continue
            kind = key[0]
            rows.append(list(key) + [
                    delta[0] if kind != 'order' else None,
                    delta[1], delta[2]])
        columns = [getattr(table, c) for c in KEY + VALUES]
        for sub_rows in grouped_slice(rows, 500):
            cursor.execute(*table.insert(columns, list(sub_rows)))
        return len(rows)

    @classmethod
    def rebuild(cls):
        """Replace the summary with one row per key computed from the sale
        lines (the nightly reconciliation: it also merges the additions)"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        columns = [getattr(table, c) for c in KEY + VALUES]
        cursor.execute(*table.select(Count(table.id)))
        before, = cursor.fetchone()
        cursor.execute(*table.delete())
        for kind in KINDS:
            cursor.execute(*table.insert(columns, cls._contribution(kind)))
        cursor.execute(*table.select(Count(table.id)))
        after, = cursor.fetchone()
        logger.info(
            "sales summary rebuilt: %d rows replaced by %d", before, after)
        return after

    @classmethod
    def reconcile(cls):
        "The scheduled rebuild"
        cls.rebuild()

    @classmethod
    def sale_ids_of_templates(cls, template_ids):
        pool = Pool()
        Line = pool.get('sale.line')
        Product = pool.get('product.product')
        line = Line.__table__()
        product = Product.__table__()
        cursor = Transaction().connection.cursor()
        sale_ids = set()
        for sub_ids in grouped_slice(template_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.join(product,
                    condition=line.product == product.id).select(
                    line.sale, distinct=True,
                    where=reduce_ids(product.template, sub_ids)))
            sale_ids.update(s for s, in cursor)
        return sale_ids

    @classmethod
    def watch(cls, sale_ids, counted=True):
        """Read the contribution of the sales now and return the callback
        that adds the difference once they changed (None if there is
        nothing to watch).  The sales are not watched again by the changes
        made until then (the lines written with their sale)"""
        watched = _WATCHED.setdefault(Transaction(), set())
        sale_ids = sorted(set(sale_ids) - watched)
        if not sale_ids:
            return None
        # (sales that the reports do not count yet contribute nothing)
        before = cls._read(sale_ids) if counted else {}
        watched.update(sale_ids)

        def record():
            try:
                cls.record(before, cls._read(sale_ids))
            finally:
                watched.difference_update(sale_ids)
        return record


# The sales whose change is being watched, per transaction
_WATCHED = weakref.WeakKeyDictionary()


@contextmanager
def _watching():
    """Around a change: the sales it watches are watched no longer after
    it, even when it fails (the transaction may go on after the error)"""
    watched = _WATCHED.setdefault(Transaction(), set())
    before = set(watched)
    try:
        yield
    finally:
        watched.intersection_update(before)


def _normalize(value):
    "A key value as the same Python value from every backend"
    if isinstance(value, str) and len(value) == 10 and value[4] == '-':
        # SQLite returns dates of literal-free selects as text
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _decimal(value):
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _sort_key(key):
    return tuple((v is None, str(v)) for v in key)


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def write(cls, *args):
        with _watching():
            super().write(*args)

    @classmethod
    def on_write(cls, sales, values):
        pool = Pool()
        Summary = pool.get('dms.reporting.summary')
        callbacks = super().on_write(sales, values)
        if not (values.keys() & SALE_FIELDS):
            return callbacks
        states = reporting_states()
        # A sale counts before or after the change: a new state that the
        # reports ignore, from a state they ignore (the portal's and the
        # intake's quotations), changes nothing
        counted = [s for s in sales if s.state in states]
        if 'state' in values and values['state'] in states:
            callback = Summary.watch(
                [s.id for s in sales], counted=bool(counted))
        else:
            callback = Summary.watch([s.id for s in counted])
        if callback:
            callbacks.append(callback)
        return callbacks


class Line(metaclass=PoolMeta):
    __name__ = 'sale.line'

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Summary = pool.get('dms.reporting.summary')
        with _watching():
            callback = Summary.watch(_counted(
                    {v['sale'] for v in vlist if v.get('sale') is not None}))
            lines = super().create(vlist)
            if callback:
                callback()
        return lines

    @classmethod
    def write(cls, *args):
        with _watching():
            super().write(*args)

    @classmethod
    def delete(cls, lines):
        with _watching():
            super().delete(lines)

    @classmethod
    def on_write(cls, lines, values):
        pool = Pool()
        Summary = pool.get('dms.reporting.summary')
        callbacks = super().on_write(lines, values)
        if values.keys() & LINE_FIELDS:
            sale_ids = {l.sale.id for l in lines if l.sale}
            if values.get('sale') is not None:
                sale_ids.add(values['sale'])
            callback = Summary.watch(_counted(sale_ids))
            if callback:
                callbacks.append(callback)
        return callbacks

    @classmethod
    def on_delete(cls, lines):
        pool = Pool()
        Summary = pool.get('dms.reporting.summary')
        callbacks = super().on_delete(lines)
        callback = Summary.watch(
            _counted({l.sale.id for l in lines if l.sale}))
        if callback:
            callbacks.append(callback)
        return callbacks


def _counted(sale_ids):
    "The sales among sale_ids in a reporting state"
    pool = Pool()
    Sale = pool.get('sale.sale')
    sale = Sale.__table__()
    cursor = Transaction().connection.cursor()
    result = set()
    for sub_ids in grouped_slice(sorted(sale_ids), backend.MAX_QUERY_PARAMS):
        cursor.execute(*sale.select(sale.id,
                where=reduce_ids(sale.id, sub_ids)
                & sale.state.in_(reporting_states())))
        result.update(s for s, in cursor)
    return result


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    @classmethod
    def write(cls, *args):
        with _watching():
            super().write(*args)

    @classmethod
    def on_write(cls, templates, values):
        "The category rows follow the categories of the products"
        pool = Pool()
        Summary = pool.get('dms.reporting.summary')
        callbacks = super().on_write(templates, values)
        if 'categories' in values:
            callback = Summary.watch(_counted(
                    Summary.sale_ids_of_templates([t.id for t in templates])))
            if callback:
                callbacks.append(callback)
        return callbacks


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('dms.reporting.summary|reconcile', "Rebuild the Sales Summary"))
