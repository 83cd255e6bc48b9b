# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Planning views: what production has to make and logistics has to ship

*Demand Planning* (dms.planning.demand) sums, per product and week, what
is still to deliver on the open dealer orders of a warehouse, against the
stock on hand and the planned incoming supply, with the shortfall carried
over the weeks.  *Shipments to Plan* (dms.planning.shipment) counts, per
day, region and carrier, the customer shipments still to leave the
warehouse and the open orders that have no shipment yet, with their
quantities.

Both are read-only reporting models (table_query built with python-sql,
like the reports of the Sale and Stock modules), filtered by their context
model; they compute from Tryton's own records at each request (no copy to
keep in step), each source row (a sale line, a stock move, a shipment, an
order) counted once.  Their drill-down wizards open the records behind a
row, found by the same queries."""
import datetime as dt
from collections import defaultdict

from sql import Cast, Literal, Null, Union, Window, With
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc, Function
from sql.operators import Concat

from trytond import backend
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If, PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import StateAction, Wizard

# The states of the orders that are still to deliver (quotations on demand)
OPEN_SALE_STATES = ['confirmed', 'processing']
# The states of the customer shipments still to leave the warehouse
OPEN_SHIPMENT_STATES = ['draft', 'waiting', 'assigned', 'picked', 'packed']
# The states of the planned moves of incoming supply
PLANNED_MOVE_STATES = ['draft', 'assigned']
# The product types that are kept in stock
STOCK_TYPES = ['goods', 'assets']
# Quantities (in the product's default unit) below this are nothing left: the
# unit conversions of floats leave such crumbs
EPSILON = 1e-6


class _SQLiteDate(Function):
    __slots__ = ()
    _function = 'DATE'


def week_start(column):
    "The Monday of the ISO week of a date column, as a date"
    if backend.name == 'sqlite':
        # Back six days, then forward to a Monday (the same day if it is
        # one)
        return _SQLiteDate(column, '-6 days', 'weekday 1')
    return Cast(DateTrunc('week', column), 'DATE')


def monday(date):
    "The Monday of the ISO week of date"
    return date - dt.timedelta(days=date.weekday())


def to_date(value):
    "A date column as read from the database (SQLite returns text)"
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


class _Date(fields.Date):
    "A date computed by the query (SQLite returns it as text)"

    def get(self, ids, model, name, values=None):
        return {v['id']: to_date(v[name]) for v in values or []}


class PlanningMixin:
    "The shared filters and the export of the planning views"
    __slots__ = ()

    # The fields of a row in a spreadsheet, in order
    _dms_export_fields = []

    @classmethod
    def _company(cls):
        return Transaction().context.get('company') or -1

    @classmethod
    def _warehouse(cls):
        pool = Pool()
        Location = pool.get('stock.location')
        return Location.get_default_warehouse() or -1

    @classmethod
    def _today(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()

    @classmethod
    def _sale_states(cls):
        states = list(OPEN_SALE_STATES)
        if Transaction().context.get('include_quotations'):
            states.append('quotation')
        return states

    @classmethod
    def _dealer_where(cls, dealer, optional=False):
        """The condition of the dealer filters of the context on the
        dealer table (joined on the row); optional when the row may have
        no dealer"""
        pool = Pool()
        Territory = pool.get('dms.territory')
        context = Transaction().context
        where = Literal(True)
        filtered = False
        if context.get('dealer'):
            where &= dealer.id == context['dealer']
            filtered = True
        if context.get('tier'):
            where &= dealer.tier == context['tier']
            filtered = True
        if context.get('territory'):
            territories = Territory.search([
                    ('parent', 'child_of', [context['territory']]),
                    ], query=True, order=[])
            where &= dealer.territory.in_(territories)
            filtered = True
        if optional and not filtered:
            return Literal(True)
        return where

    @classmethod
    def _warehouse_locations(cls):
        "The query of the locations of the context's warehouse"
        pool = Pool()
        Location = pool.get('stock.location')
        return Location.search([
                ('parent', 'child_of', [cls._warehouse()]),
                ], query=True, order=[])

    @classmethod
    def _line_moves(cls, lines):
        """Per sale line of the query lines (one column: the references
        'sale.line,<id>', to use the index of the moves' origin), the
        quantity of its moves (in the product's default unit): done, not
        cancelled and ignored (cancelled and left out by the user, so no
        longer to ship)"""
        pool = Pool()
        Line = pool.get('sale.line')
        Move = pool.get('stock.move')
        Ignored = pool.get('sale.line-ignored-stock.move')
        move = Move.__table__()
        ignored = Ignored.__table__()
        line_id = Move.origin.sql_id(move.origin, Line)
        # Grouped on a column: PostgreSQL does not match parametrized
        # expressions
        moves = (move
            .join(ignored, 'LEFT',
                condition=(ignored.move == move.id)
                & (ignored.sale_line == line_id))
            .select(
                line_id.as_('line'),
                move.state.as_('state'),
                move.internal_quantity.as_('quantity'),
                ignored.id.as_('ignored'),
                where=move.origin.in_(lines)))
        quantity = moves.quantity
        return moves.select(
            moves.line.as_('line'),
            Sum(Case((moves.state == 'done', quantity), else_=0)).as_(
                'done'),
            Sum(Case((moves.state != 'cancelled', quantity), else_=0)
                ).as_('moved'),
            Sum(Case((moves.ignored != Null, quantity), else_=0)).as_(
                'ignored'),
            group_by=[moves.line])

    @classmethod
    def _open_lines(cls, remaining='remaining'):
        """The open order lines of goods of the company and warehouse, with
        their quantity in the product's default unit still to deliver
        (remaining: ordered less done and ignored) or still without a
        move (unplanned: ordered less the moves not cancelled and the
        ignored ones); only the lines with something left

        Columns: line, sale, product, quantity, sale's date (promised, else
        requested), dealer (or NULL)."""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        sale = Sale.__table__()
        line = Line.__table__()
        product = Product.__table__()
        template = Template.__table__()
        line_unit = Uom.__table__()
        unit = Uom.__table__()
        sale2 = Sale.__table__()
        line2 = Line.__table__()

        sale_where = (
            (sale.company == cls._company())
            & (sale.warehouse == cls._warehouse())
            & sale.state.in_(cls._sale_states()))
        # The same orders for the moves' query (its own tables)
        lines = (line2
            .join(sale2, condition=line2.sale == sale2.id)
            .select(Concat('sale.line,', line2.id),
                where=(sale2.company == cls._company())
                & (sale2.warehouse == cls._warehouse())
                & sale2.state.in_(cls._sale_states())))
        moves = cls._line_moves(lines)
        quantity = line.quantity * line_unit.factor / unit.factor
        if remaining == 'unplanned':
            left = (quantity
                - Coalesce(moves.moved, 0) - Coalesce(moves.ignored, 0))
        else:
            left = (quantity
                - Coalesce(moves.done, 0) - Coalesce(moves.ignored, 0))
        query = (line
            .join(sale, condition=line.sale == sale.id)
            .join(product, condition=line.product == product.id)
            .join(template, condition=product.template == template.id)
            .join(line_unit, condition=line.unit == line_unit.id)
            .join(unit, condition=template.default_uom == unit.id)
            .join(moves, 'LEFT', condition=moves.line == line.id)
            .select(
                line.id.as_('line'),
                sale.id.as_('sale'),
                line.product.as_('product'),
                left.as_('quantity'),
                Coalesce(sale.promised_date, sale.shipping_date).as_('date'),
                sale.dealer.as_('dealer'),
                where=sale_where
                & (line.type == 'line')
                & (line.quantity > 0)
                & template.type.in_(STOCK_TYPES)))
        return query.select(
            query.line, query.sale, query.product, query.quantity,
            query.date, query.dealer,
            where=query.quantity > EPSILON)

    @classmethod
    def dms_export_rows(cls, records):
        """The rows of records for a spreadsheet: (header, rows)

        header is a list of (field name, label in the user's language,
        type: 'char', 'date', 'integer' or 'float'); each row is a list of
        values of those types (the name of a related record, None when
        empty)."""
        names = list(cls._dms_export_fields)
        definitions = cls.fields_get(names)
        header = []
        for name in names:
            type_ = definitions[name]['type']
            if type_ in {'many2one', 'selection', 'reference'}:
                type_ = 'char'
            header.append((name, definitions[name]['string'], type_))
        rows = []
        for record in records:
            row = []
            for name, _, type_ in header:
                value = getattr(record, name)
                if isinstance(value, ModelSQL):
                    value = value.rec_name
                elif value is not None:
                    # SQLite sums floats to integers when it can
                    value = {
                        'float': float, 'integer': int, 'date': to_date,
                        }.get(type_, str)(value)
                row.append(value)
            rows.append(row)
        return header, rows


class PlanningContextMixin(ModelView):
    "The filters shared by the contexts of the planning views"
    __slots__ = ()
    company = fields.Many2One('company.company', "Company", required=True)
    warehouse = fields.Many2One(
        'stock.location', "Warehouse", required=True,
        domain=[('type', '=', 'warehouse')])
    dealer = fields.Many2One('dms.dealer', "Dealer",
        domain=[('company', '=', Eval('company', -1))])
    tier = fields.Many2One('dms.dealer.tier', "Tier")
    territory = fields.Many2One(
        'dms.territory', "Territory",
        help="The dealers of the territory and of its sub-territories.")
    include_quotations = fields.Boolean(
        "Include Quotations",
        help="Count the dealers' orders not confirmed yet as well.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_warehouse(cls):
        pool = Pool()
        Location = pool.get('stock.location')
        return Location.get_default_warehouse()


class Demand(PlanningMixin, ModelSQL, ModelView):
    __string__ = "Demand Planning"
    __name__ = 'dms.planning.demand'

    product = fields.Many2One('product.product', "Product", readonly=True)
    week = _Date(
        "Week", readonly=True,
        help="The Monday of the week (late orders are in this week).")
    iso_week = fields.Function(
        fields.Char("ISO Week", help="The year and number of the week."),
        'get_iso_week')
    unit = fields.Many2One('product.uom', "Unit", readonly=True)
    orders = fields.Integer(
        "Orders", readonly=True,
        help="The number of orders with something to deliver this week.")
    demand = fields.Float(
        "Demand", digits='unit', readonly=True,
        help="What is still to deliver this week on the open dealer "
        "orders, dated by their promised date, else their requested date.")
    incoming = fields.Float(
        "Incoming", digits='unit', readonly=True,
        help="The supply planned to arrive in the warehouse this week.")
    stock = fields.Float(
        "On Hand", digits='unit', readonly=True,
        help="The quantity in the warehouse today.")
    projected = fields.Float(
        "Projected", digits='unit', readonly=True,
        help="The quantity left at the end of the week: on hand, plus the "
        "incoming, less the demand, up to this week.")
    shortfall = fields.Float(
        "Shortfall", digits='unit', readonly=True,
        help="The demand up to this week that neither the stock on hand "
        "nor the incoming supply covers: what is still to make by the end "
        "of the week.")

    _dms_export_fields = [
        'product', 'week', 'iso_week', 'unit', 'orders', 'demand',
        'incoming', 'stock', 'projected', 'shortfall']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('product', 'ASC'), ('week', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _current_week(cls):
        return monday(cls._today())

    @classmethod
    def _week(cls, date):
        "The week of a date column: this week when late or not dated"
        current = cls._current_week()
        return Case(
            (date == Null, current),
            (date < current, current),
            else_=week_start(date))

    @classmethod
    def _product_where(cls, product):
        "The condition of the product filters of the context"
        pool = Pool()
        Category = pool.get('product.category')
        TemplateCategory = pool.get('product.template-product.category')
        context = Transaction().context
        where = Literal(True)
        if context.get('product'):
            where &= product.id == context['product']
        if context.get('product_category'):
            template_category = TemplateCategory.__table__()
            # Their ids (few) rather than a query: SQLite's parser has a
            # limited depth
            categories = [c.id for c in Category.search([
                        ('parent', 'child_of', [context['product_category']]),
                        ], order=[])]
            where &= product.template.in_(template_category.select(
                    template_category.template,
                    where=template_category.category.in_(categories)))
        return where

    @classmethod
    def _demand_lines(cls):
        """The open dealer order lines with their remaining quantity and
        week (columns line, sale, product, week, quantity)"""
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Product = pool.get('product.product')
        dealer = Dealer.__table__()
        product = Product.__table__()
        lines = cls._open_lines('remaining')
        return (lines
            .join(dealer, condition=lines.dealer == dealer.id)
            .join(product, condition=lines.product == product.id)
            .select(
                lines.line.as_('line'),
                lines.sale.as_('sale'),
                lines.product.as_('product'),
                cls._week(lines.date).as_('week'),
                lines.quantity.as_('quantity'),
                where=cls._dealer_where(dealer)
                & cls._product_where(product)))

    @classmethod
    def _incoming_moves(cls, products):
        """The planned moves into the warehouse of the products (a query)
        with their quantity and week (columns move, product, week,
        quantity)"""
        pool = Pool()
        Move = pool.get('stock.move')
        move = Move.__table__()
        locations = cls._warehouse_locations()
        return move.select(
            move.id.as_('move'),
            move.product.as_('product'),
            cls._week(move.planned_date).as_('week'),
            move.internal_quantity.as_('quantity'),
            where=move.state.in_(PLANNED_MOVE_STATES)
            & (move.planned_date != Null)
            & (move.company == cls._company())
            & move.to_location.in_(locations)
            & ~move.from_location.in_(locations)
            & move.product.in_(products))

    @classmethod
    def _stock(cls, products):
        """The quantity on hand today in the warehouse of the products (a
        query): the done moves into it less those out of it (columns
        product, quantity)"""
        pool = Pool()
        Move = pool.get('stock.move')
        move = Move.__table__()
        locations = cls._warehouse_locations()
        quantity = move.internal_quantity
        return move.select(
            move.product.as_('product'),
            Sum(Case((move.to_location.in_(locations), quantity), else_=0)
                - Case((move.from_location.in_(locations), quantity),
                    else_=0)).as_('quantity'),
            where=(move.state == 'done')
            & (move.company == cls._company())
            & ((move.effective_date == Null)
                | (move.effective_date <= cls._today()))
            & move.product.in_(products),
            group_by=[move.product])

    @classmethod
    def table_query(cls):
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        context = Transaction().context
        product = Product.__table__()
        template = Template.__table__()

        # The lines once, for the rows and the products to look for
        lines = With('line', 'sale', 'product', 'week', 'quantity',
            query=cls._demand_lines())
        moves = cls._incoming_moves(lines.select(lines.product))
        stock = cls._stock(lines.select(lines.product))
        # Even ids for the lines, odd for the moves: the smallest of a week
        # is its row's id
        sources = Union(
            lines.select(
                lines.product.as_('product'),
                lines.week.as_('week'),
                lines.quantity.as_('demand'),
                Literal(0.0).as_('incoming'),
                (lines.line * 2).as_('source'),
                lines.sale.as_('sale')),
            moves.select(
                moves.product.as_('product'),
                moves.week.as_('week'),
                Literal(0.0).as_('demand'),
                moves.quantity.as_('incoming'),
                (moves.move * 2 + 1).as_('source'),
                Literal(None).as_('sale')),
            all_=True)
        weeks = sources.select(
            Min(sources.source).as_('id'),
            sources.product.as_('product'),
            sources.week.as_('week'),
            Count(sources.sale, distinct=True).as_('orders'),
            Sum(sources.demand).as_('demand'),
            Sum(sources.incoming).as_('incoming'),
            group_by=[sources.product, sources.week])
        window = Window([weeks.product], order_by=[weeks.week.asc])
        on_hand = Coalesce(stock.quantity, 0)
        rows = (weeks
            .join(stock, 'LEFT', condition=stock.product == weeks.product)
            .join(product, condition=product.id == weeks.product)
            .join(template, condition=template.id == product.template)
            .select(
                weeks.id.as_('id'),
                weeks.product.as_('product'),
                weeks.week.as_('week'),
                template.default_uom.as_('unit'),
                weeks.orders.as_('orders'),
                weeks.demand.as_('demand'),
                weeks.incoming.as_('incoming'),
                on_hand.as_('stock'),
                (on_hand + Sum(weeks.incoming, window=window)
                    - Sum(weeks.demand, window=window)).as_('projected')))
        # The shortfall carries over the weeks before the first one shown
        where = Literal(True)
        if context.get('from_week'):
            where &= rows.week >= monday(context['from_week'])
        if context.get('to_week'):
            where &= rows.week <= context['to_week']
        return rows.select(
            rows.id, rows.product, rows.week, rows.unit, rows.orders,
            rows.demand, rows.incoming, rows.stock, rows.projected,
            Case((rows.projected < -EPSILON, -rows.projected),
                else_=0.0).as_('shortfall'),
            where=where, with_=[lines])

    def get_iso_week(self, name):
        if self.week:
            year, week, _ = self.week.isocalendar()
            return '%04d-W%02d' % (year, week)

    @classmethod
    def _keys(cls, records):
        "{product id: {week}} of the records"
        keys = defaultdict(set)
        for record in records:
            keys[record.product.id].add(record.week)
        return keys

    @classmethod
    def dms_sale_lines(cls, records):
        """The ids of the order lines behind the records (under the same
        context)"""
        keys = cls._keys(records)
        if not keys:
            return []
        cursor = Transaction().connection.cursor()
        lines = cls._demand_lines()
        cursor.execute(*lines.select(
                lines.line, lines.product, lines.week,
                where=lines.product.in_(list(keys))))
        return sorted(line for line, product, week in cursor
            if to_date(week) in keys[product])

    @classmethod
    def dms_incoming_moves(cls, records):
        """The ids of the incoming moves behind the records (under the same
        context)"""
        keys = cls._keys(records)
        if not keys:
            return []
        cursor = Transaction().connection.cursor()
        moves = cls._incoming_moves(list(keys))
        cursor.execute(*moves.select(moves.move, moves.product, moves.week))
        return sorted(move for move, product, week in cursor
            if to_date(week) in keys[product])


class DemandContext(PlanningContextMixin, ModelView):
    __string__ = "Demand Planning Context"
    __name__ = 'dms.planning.demand.context'
    from_week = fields.Date(
        "From Week",
        domain=[
            If(Eval('from_week') & Eval('to_week'),
                ('from_week', '<=', Eval('to_week')), ()),
            ],
        help="The weeks from the one of this day.")
    to_week = fields.Date(
        "To Week",
        domain=[
            If(Eval('from_week') & Eval('to_week'),
                ('to_week', '>=', Eval('from_week')), ()),
            ],
        help="The weeks up to the one of this day.")
    product_category = fields.Many2One(
        'product.category', "Product Category",
        help="The products of the category and of its sub-categories.")
    product = fields.Many2One(
        'product.product', "Product",
        context={
            'company': Eval('company', -1),
            },
        depends=['company'])


class DemandOpenLines(Wizard):
    __name__ = 'dms.planning.demand.open_lines'
    start_state = 'open_'
    _readonly = True
    open_ = StateAction('sale.act_sale_line_relate')

    def do_open_(self, action):
        pool = Pool()
        Demand = pool.get('dms.planning.demand')
        ids = Demand.dms_sale_lines(self.records)
        encoder = PYSONEncoder()
        action['pyson_domain'] = encoder.encode([('id', 'in', ids)])
        action['pyson_context'] = encoder.encode({})
        return action, {}


class DemandOpenMoves(Wizard):
    __name__ = 'dms.planning.demand.open_moves'
    start_state = 'open_'
    _readonly = True
    open_ = StateAction('stock.act_move_form')

    def do_open_(self, action):
        pool = Pool()
        Demand = pool.get('dms.planning.demand')
        ids = Demand.dms_incoming_moves(self.records)
        encoder = PYSONEncoder()
        action['pyson_domain'] = encoder.encode([('id', 'in', ids)])
        action['pyson_context'] = encoder.encode({})
        return action, {}


class Shipment(PlanningMixin, ModelSQL, ModelView):
    __string__ = "Shipments to Plan"
    __name__ = 'dms.planning.shipment'

    date = _Date(
        "Date", readonly=True,
        help="The planned date of the shipment, else the promised date of "
        "the order, else its requested date (late ones are today).")
    territory = fields.Many2One(
        'dms.territory', "Territory", readonly=True,
        help="The dealer's territory.")
    country = fields.Many2One(
        'country.country', "Country", readonly=True)
    subdivision = fields.Many2One(
        'country.subdivision', "Subdivision", readonly=True,
        help="The subdivision of the delivery address.")
    carrier = fields.Many2One('carrier', "Carrier", readonly=True)
    shipments = fields.Integer(
        "Shipments", readonly=True,
        help="The customer shipments still to leave the warehouse.")
    orders = fields.Integer(
        "Orders", readonly=True,
        help="The open orders with goods that are on no shipment yet.")
    quantity = fields.Float(
        "Quantity", readonly=True,
        help="The quantity to ship, in the products' default units.")
    late = fields.Integer(
        "Late", readonly=True,
        help="The shipments and orders whose date has passed.")

    _dms_export_fields = [
        'date', 'territory', 'country', 'subdivision', 'carrier',
        'shipments', 'orders', 'quantity', 'late']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _day(cls, date):
        "The day of a date column: today when late or not dated"
        today = cls._today()
        return Case((date == Null, today), (date < today, today),
            else_=date)

    @classmethod
    def _late(cls, date):
        return Case((date < cls._today(), 1), else_=0)

    @classmethod
    def _carrier_where(cls, column):
        carrier = Transaction().context.get('carrier')
        if carrier:
            return column == carrier
        return Literal(True)

    @classmethod
    def _shipment_rows(cls):
        """The customer shipments still to leave the warehouse (columns
        source, shipment, sale, day, territory, country, subdivision,
        carrier, shipments, orders, quantity, late)"""
        pool = Pool()
        ShipmentOut = pool.get('stock.shipment.out')
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Address = pool.get('party.address')
        Dealer = pool.get('dms.dealer')
        shipment = ShipmentOut.__table__()
        shipment2 = ShipmentOut.__table__()
        move = Move.__table__()
        location = Location.__table__()
        address = Address.__table__()
        dealer = Dealer.__table__()

        where = ((shipment.company == cls._company())
            & (shipment.warehouse == cls._warehouse())
            & shipment.state.in_(OPEN_SHIPMENT_STATES))
        shipment_id = Move.shipment.sql_id(move.shipment, ShipmentOut)
        # The goods going to the customer (not their picking)
        moves = (move
            .join(location, condition=move.to_location == location.id)
            .select(
                shipment_id.as_('shipment'),
                move.internal_quantity.as_('quantity'),
                where=(location.type == 'customer')
                & (move.state != 'cancelled')
                # The index of the moves' shipment
                & move.shipment.in_(shipment2.select(
                        Concat('stock.shipment.out,', shipment2.id),
                        where=(shipment2.company == cls._company())
                        & (shipment2.warehouse == cls._warehouse())
                        & shipment2.state.in_(OPEN_SHIPMENT_STATES)))))
        # Grouped on a column (see _line_moves)
        quantities = moves.select(
            moves.shipment.as_('shipment'),
            Sum(moves.quantity).as_('quantity'),
            group_by=[moves.shipment])
        carrier = (shipment.carrier
            if isinstance(ShipmentOut._fields.get('carrier'), fields.Many2One)
            else Literal(None))
        return (shipment
            .join(quantities, 'LEFT',
                condition=quantities.shipment == shipment.id)
            .join(address, 'LEFT',
                condition=address.id == shipment.delivery_address)
            .join(dealer, 'LEFT',
                condition=(dealer.party == shipment.customer)
                & (dealer.company == shipment.company))
            .select(
                (shipment.id * 2).as_('source'),
                shipment.id.as_('shipment'),
                Literal(None).as_('sale'),
                cls._day(shipment.planned_date).as_('day'),
                dealer.territory.as_('territory'),
                address.country.as_('country'),
                address.subdivision.as_('subdivision'),
                carrier.as_('carrier'),
                Literal(1).as_('shipments'),
                Literal(0).as_('orders'),
                Coalesce(quantities.quantity, 0.0).as_('quantity'),
                cls._late(shipment.planned_date).as_('late'),
                where=where
                & cls._dealer_where(dealer, optional=True)
                & cls._carrier_where(carrier)))

    @classmethod
    def _order_rows(cls):
        """The open orders with goods on no move yet (same columns as
        _shipment_rows)"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Address = pool.get('party.address')
        Dealer = pool.get('dms.dealer')
        sale = Sale.__table__()
        address = Address.__table__()
        dealer = Dealer.__table__()

        lines = cls._open_lines('unplanned')
        orders = lines.select(
            lines.sale.as_('sale'),
            Sum(lines.quantity).as_('quantity'),
            group_by=[lines.sale])
        # The carrier of the order when a module stores one on sales
        carrier = (sale.carrier
            if isinstance(Sale._fields.get('carrier'), fields.Many2One)
            else Literal(None))
        date = Coalesce(sale.promised_date, sale.shipping_date)
        return (orders
            .join(sale, condition=sale.id == orders.sale)
            .join(address, 'LEFT',
                condition=address.id == sale.shipment_address)
            .join(dealer, 'LEFT', condition=dealer.id == sale.dealer)
            .select(
                (sale.id * 2 + 1).as_('source'),
                Literal(None).as_('shipment'),
                sale.id.as_('sale'),
                cls._day(date).as_('day'),
                dealer.territory.as_('territory'),
                address.country.as_('country'),
                address.subdivision.as_('subdivision'),
                carrier.as_('carrier'),
                Literal(0).as_('shipments'),
                Literal(1).as_('orders'),
                orders.quantity.as_('quantity'),
                cls._late(date).as_('late'),
                where=cls._dealer_where(dealer, optional=True)
                & cls._carrier_where(carrier)))

    @classmethod
    def _sources(cls):
        "The shipments and the orders to plan (one query)"
        context = Transaction().context
        sources = Union(cls._shipment_rows(), cls._order_rows(), all_=True)
        where = Literal(True)
        if context.get('from_date'):
            where &= sources.day >= context['from_date']
        if context.get('to_date'):
            where &= sources.day <= context['to_date']
        return sources.select(
            sources.source, sources.shipment, sources.sale, sources.day,
            sources.territory, sources.country, sources.subdivision,
            sources.carrier, sources.shipments, sources.orders,
            sources.quantity, sources.late,
            where=where)

    @classmethod
    def table_query(cls):
        sources = cls._sources()
        keys = [sources.day, sources.territory, sources.country,
            sources.subdivision, sources.carrier]
        return sources.select(
            Min(sources.source).as_('id'),
            sources.day.as_('date'),
            sources.territory.as_('territory'),
            sources.country.as_('country'),
            sources.subdivision.as_('subdivision'),
            sources.carrier.as_('carrier'),
            Sum(sources.shipments).as_('shipments'),
            Sum(sources.orders).as_('orders'),
            Sum(sources.quantity).as_('quantity'),
            Sum(sources.late).as_('late'),
            group_by=keys)

    @classmethod
    def _records_sources(cls, records):
        "The (shipment, sale) ids of the sources behind the records"
        def id_(record):
            return record.id if record else None
        keys = {
            (r.date, id_(r.territory), id_(r.country), id_(r.subdivision),
                id_(r.carrier)) for r in records}
        if not keys:
            return []
        cursor = Transaction().connection.cursor()
        sources = cls._sources()
        cursor.execute(*sources.select(
                sources.shipment, sources.sale, sources.day,
                sources.territory, sources.country, sources.subdivision,
                sources.carrier))
        return [(shipment, sale)
            for shipment, sale, day, *key in cursor
            if (to_date(day), *key) in keys]

    @classmethod
    def dms_shipments(cls, records):
        """The ids of the customer shipments behind the records (under the
        same context)"""
        return sorted(s for s, _ in cls._records_sources(records) if s)

    @classmethod
    def dms_sales(cls, records):
        """The ids of the orders without shipment behind the records (under
        the same context)"""
        return sorted(s for _, s in cls._records_sources(records) if s)


class ShipmentContext(PlanningContextMixin, ModelView):
    __string__ = "Shipments to Plan Context"
    __name__ = 'dms.planning.shipment.context'
    from_date = fields.Date(
        "From Date",
        domain=[
            If(Eval('from_date') & Eval('to_date'),
                ('from_date', '<=', Eval('to_date')), ()),
            ])
    to_date = fields.Date(
        "To Date",
        domain=[
            If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')), ()),
            ])
    carrier = fields.Many2One('carrier', "Carrier")


class ShipmentOpenShipments(Wizard):
    __name__ = 'dms.planning.shipment.open_shipments'
    start_state = 'open_'
    _readonly = True
    open_ = StateAction('stock.act_shipment_out_form')

    def do_open_(self, action):
        pool = Pool()
        Shipment = pool.get('dms.planning.shipment')
        ids = Shipment.dms_shipments(self.records)
        encoder = PYSONEncoder()
        action['pyson_domain'] = encoder.encode([('id', 'in', ids)])
        action['pyson_context'] = encoder.encode({})
        return action, {}


class ShipmentOpenOrders(Wizard):
    __name__ = 'dms.planning.shipment.open_orders'
    start_state = 'open_'
    _readonly = True
    open_ = StateAction('sale.act_sale_form')

    def do_open_(self, action):
        pool = Pool()
        Shipment = pool.get('dms.planning.shipment')
        ids = Shipment.dms_sales(self.records)
        encoder = PYSONEncoder()
        action['pyson_domain'] = encoder.encode([('id', 'in', ids)])
        action['pyson_context'] = encoder.encode({})
        return action, {}
