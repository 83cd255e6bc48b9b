# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Replenishment suggestions: per dealer, the products it orders regularly
that are due again, with the typical quantity and the reason

Computed for all the dealers at once by a scheduled job with a fixed number
of queries (one aggregate over the order history), not per page view."""
import datetime as dt
import json
import math

from sql import Literal, Null
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

# The columns written by compute and their PostgreSQL types
INSERT_COLUMNS = [
    ('dealer', 'integer'),
    ('product', 'integer'),
    ('quantity', 'float8'),
    ('orders', 'integer'),
    ('average_quantity', 'float8'),
    ('interval_days', 'integer'),
    ('last_order_date', 'date'),
    ('seasonal_factor', 'float8'),
    ('computed_at', 'timestamp'),
    ('create_uid', 'integer'),
    ('create_date', 'timestamp'),
    ]


class Suggestion(ModelSQL, ModelView):
    __string__ = "Replenishment Suggestion"
    __name__ = 'dms.order.suggestion'
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, readonly=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, readonly=True,
        ondelete='CASCADE')
    quantity = fields.Float("Suggested Quantity", readonly=True)
    orders = fields.Integer("Orders", readonly=True,
        help="The number of orders of the product in the history.")
    average_quantity = fields.Float("Usual Quantity", readonly=True)
    interval_days = fields.Integer("Every (Days)", readonly=True)
    last_order_date = fields.Date("Last Order", readonly=True)
    seasonal_factor = fields.Float("Seasonal Factor", readonly=True,
        help="The quantity of the coming weeks last year against the "
        "average (1 without enough history).")
    computed_at = fields.Timestamp("Computed At", readonly=True)
    reason = fields.Function(fields.Char("Reason"), 'get_reason')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('dealer', 'ASC'), ('quantity', 'DESC'), ('id', 'ASC')]
        cls._sql_indexes.add(Index(t, (t.dealer, Index.Range())))

    def get_reason(self, name):
        "Why the product is suggested, for the factory's staff"
        return self._reason('dms_orders.msg_suggestion_reason')

    def dealer_reason(self):
        "Why the product is suggested, told to the dealer"
        return self._reason('dms_orders.msg_suggestion_reason_dealer')

    def _reason(self, message):
        pool = Pool()
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        weeks = self.interval_days / 7 if self.interval_days else 0
        if weeks >= 1.5:
            every = gettext('dms_orders.msg_suggestion_every_weeks',
                weeks=round(weeks))
        else:
            every = gettext('dms_orders.msg_suggestion_every_days',
                days=self.interval_days or 0)
        since = (Date.today() - self.last_order_date).days
        if since >= 14:
            ago = gettext('dms_orders.msg_suggestion_ago_weeks',
                weeks=round(since / 7))
        else:
            ago = gettext('dms_orders.msg_suggestion_ago_days', days=since)
        average = self.average_quantity or 0
        # In whole units: "about 8", not "about 8.2"
        reason = gettext(message,
            quantity=lang.format_number(
                max(round(average), 1) if average > 0 else 0, 0),
            every=every, ago=ago)
        factor = self.seasonal_factor or 1
        if abs(factor - 1) >= 0.1:
            reason += ' ' + gettext('dms_orders.msg_suggestion_season',
                percent=round((factor - 1) * 100))
        return reason

    @classmethod
    def _history(cls, dealer_ids, today, config):
        """Per (dealer, product): orders, quantity, first and last order
        date, quantity of the last year and of the coming weeks a year ago:
        one aggregate query"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        cursor = Transaction().connection.cursor()
        sale = Sale.__table__()
        line = Line.__table__()
        start = today - dt.timedelta(days=config.suggestion_history_days)
        year_ago = today - dt.timedelta(days=365)
        season_end = year_ago + dt.timedelta(
            days=config.suggestion_season_days)
        # An order just placed counts before its confirmation (which
        # sets the sale date), on its quotation date
        date = Coalesce(sale.sale_date, sale.quotation_date)
        where = ((sale.dealer != Null)
            & sale.state.in_(
                ['quotation', 'confirmed', 'processing', 'done'])
            & (date >= start) & (date <= today)
            & (line.type == 'line') & (line.product != Null)
            & (line.quantity > 0))
        if dealer_ids is not None:
            where &= sale.dealer.in_(dealer_ids or [-1])
        query = sale.join(line, condition=line.sale == sale.id).select(
            sale.dealer, line.product,
            Count(line.id),
            Count(sale.id, distinct=True),
            Sum(line.quantity),
            Min(date), Max(date),
            Sum(Case((date > year_ago, line.quantity),
                    else_=Literal(0))),
            Sum(Case(((date >= year_ago)
                        & (date < season_end), line.quantity),
                    else_=Literal(0))),
            where=where,
            group_by=[sale.dealer, line.product])
        cursor.execute(*query)
        return cursor

    @classmethod
    def compute(cls, dealers=None):
        """Compute the suggestions of the dealers (all the active ones when
        None), replacing their former suggestions"""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        Date = pool.get('ir.date')
        Dealer = pool.get('dms.dealer')
        Product = pool.get('product.product')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        config = Configuration(1)
        today = Date.today()
        now = dt.datetime.now()
        dealer_ids = [d.id for d in dealers] if dealers is not None else None

        # Only active dealers get suggestions; the others lose theirs
        dealer = Dealer.__table__()
        where = dealer.state == 'active'
        if dealer_ids is not None:
            where &= dealer.id.in_(dealer_ids or [-1])
        cursor.execute(*dealer.select(dealer.id, dealer.tier, where=where))
        tiers = dict(cursor)

        rows = []
        for (dealer_id, product_id, _, orders, quantity, first, last,
                year_quantity, season_quantity) in cls._history(
                    dealer_ids, today, config):
            if dealer_id not in tiers:
                continue
            suggestion = cls._suggest(config, today, orders, quantity,
                _date(first), _date(last), year_quantity, season_quantity)
            if suggestion:
                rows.append((dealer_id, product_id) + suggestion)

        # The products the dealers may order: one query for all
        products = {
            p.id: p for p in Product.browse({r[1] for r in rows})}
        orderable = cls._orderable(products.values())
        to_insert = []
        for (dealer_id, product_id, suggested, orders, average, interval,
                last, factor) in rows:
            product = products[product_id]
            allowed = orderable.get(product_id)
            if allowed is None or (
                    allowed and tiers[dealer_id] not in allowed):
                continue
            quantity = cls._round(product, suggested)
            to_insert.append([
                    dealer_id, product_id, quantity, orders, average,
                    interval, last, factor, now, transaction.user, now])

        if dealer_ids is None:
            cursor.execute(*table.delete())
        else:
            for sub in grouped_slice(dealer_ids, backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.delete(
                        where=table.dealer.in_(list(sub))))
        if to_insert:
            cls._insert(to_insert)
        return len(to_insert)

    @classmethod
    def _insert(cls, rows):
        """Insert the rows with one statement whatever their number: the
        rows travel as arrays (PostgreSQL) or as a JSON array (SQLite)"""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        columns = [name for name, _ in INSERT_COLUMNS]
        names = ', '.join('"%s"' % c for c in columns)
        if backend.name == 'postgresql':
            arrays = ', '.join(
                '%%s::%s[]' % type_ for _, type_ in INSERT_COLUMNS)
            cursor.execute(
                'INSERT INTO "%s" (%s) SELECT * FROM unnest(%s)' % (
                    cls._table, names, arrays),
                [list(column) for column in zip(*rows)])
        else:
            values = ', '.join(
                "json_extract(value, '$[%s]')" % i
                for i in range(len(columns)))
            cursor.execute(
                'INSERT INTO "%s" (%s) SELECT %s FROM json_each(?)' % (
                    cls._table, names, values),
                [json.dumps(rows, default=str)])

    @classmethod
    def _suggest(cls, config, today, orders, quantity, first, last,
            year_quantity, season_quantity):
        """Return (quantity, orders, average, interval, last, factor) when
        the product is ordered regularly and due again, else None"""
        if orders < config.suggestion_min_orders or not last or not first:
            return
        interval = (last - first).days / (orders - 1)
        if interval < 1:
            return
        since = (today - last).days
        if since < interval * config.suggestion_due_ratio:
            return
        average = quantity / orders
        factor = 1.0
        # Seasonality once the history covers a whole year
        if (today - first).days >= 365 and year_quantity:
            expected = year_quantity * config.suggestion_season_days / 365
            if expected > 0:
                factor = min(max(season_quantity / expected, 0.5), 2.0)
        return (average * factor, orders, round(average, 4),
            round(interval), last, round(factor, 4))

    @classmethod
    def _orderable(cls, products):
        """{product id: tier ids} for the products dealers may order (an
        empty set when every tier may)"""
        orderable = {}
        for product in products:
            template = product.template
            if not (product.active and template.active and template.salable
                    and template.dms_orderable and template.account_category):
                continue
            orderable[product.id] = {t.id for t in template.dms_tiers}
        return orderable

    @classmethod
    def _round(cls, product, quantity):
        "Up to the minimum and the multiple of the product, in its unit"
        template = product.template
        multiple = template.dms_quantity_multiple
        if multiple:
            quantity = math.ceil(round(quantity / multiple, 6)) * multiple
        if template.dms_min_quantity:
            quantity = max(quantity, template.dms_min_quantity)
        unit = product.sale_uom
        quantity = unit.round(quantity)
        if quantity <= 0:
            quantity = unit.rounding
        return quantity

    @classmethod
    def compute_all(cls):
        "Scheduled: the suggestions of every active dealer"
        cls.compute()

    @classmethod
    def of_dealer(cls, dealer):
        return cls.search([('dealer', '=', dealer.id)])


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def quote(cls, sales):
        super().quote(sales)
        # The suggestions of the dealers count their new orders at once: a
        # product just ordered is not suggested again
        dealers = {s.dealer for s in sales if s.dealer}
        if dealers:
            with without_check_access():
                # The history may hold products the dealer no longer sees
                Pool().get('dms.order.suggestion').compute(list(dealers))


def _date(value):
    # SQLite returns the aggregated dates as text
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value
