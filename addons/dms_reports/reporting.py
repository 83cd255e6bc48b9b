# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Sales analysis on Tryton's sale reporting.

Tryton's ``sale_reporting`` builds every report from a union of "lines"
(``_lines``), grouped by the hooks of its mixins.  The DMS gives it its
sales summary (``dms.reporting.summary``) as lines instead of the sale
lines, so Tryton's reports and ours read a table of days instead of every
line, and adds:

- the reports per dealer, tier and territory (a tree like Tryton's
  regions), each with its time series;
- filters by dealer, tier and territory on every report, the periods week
  and quarter, the quantity sold (in the products' default units);
- the comparison with the previous period of the same length (context
  ``compare``): previous revenue and growth, for rankings;
- the orders behind a row (*Orders* relate action).

The context key ``dms_summary`` set to False makes the reports aggregate the
sale lines again as Tryton does (tests and benchmarks compare both)."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Count, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Function, Round

from trytond import backend
from trytond.i18n import lazy_gettext
from trytond.model import ModelSQL, ModelView, fields, sum_tree
from trytond.modules.currency.fields import Monetary
from trytond.modules.sale.sale_reporting import Abstract, AbstractTimeseries
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import StateAction, Wizard


class SQLiteDate(Function):
    __slots__ = ()
    _function = 'DATE'


class SQLiteStrftime(Function):
    __slots__ = ()
    _function = 'STRFTIME'


class SQLitePrintf(Function):
    __slots__ = ()
    _function = 'PRINTF'


def _date(value):
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _null(cls, name):
    "A typed NULL column (PostgreSQL does not guess the type of NULL)"
    return getattr(cls, name).sql_cast(Literal(None)).as_(name)


class ReportingMixin:
    """What the DMS adds to every report of Tryton's sale reporting: the
    summary as lines, the filters, the periods, the comparison"""
    __slots__ = ()
    # Whether the report has the previous period's figures
    _dms_comparable = False
    # The kind of summary rows the report reads
    _dms_kind = 'order'

    @classmethod
    def _dms_summary(cls):
        return Transaction().context.get('dms_summary', True)

    @classmethod
    def _dms_compare(cls):
        "The previous period (from, to) when the report compares, else None"
        context = Transaction().context
        from_date = _date(context.get('from_date'))
        to_date = _date(context.get('to_date'))
        if (cls._dms_comparable and context.get('compare')
                and from_date and to_date and from_date <= to_date):
            length = to_date - from_date + dt.timedelta(days=1)
            return from_date - length, from_date - dt.timedelta(days=1)

    @classmethod
    def _lines(cls):
        if cls._dms_summary():
            return [cls._dms_summary_line]
        return super()._lines()

    @classmethod
    def _dms_summary_line(cls, length, index, company_id=None):
        pool = Pool()
        Summary = pool.get('dms.reporting.summary')
        summary = Summary.__table__()
        return summary.select(
            (summary.id * length + index).as_('id'),
            summary.product.as_('product'),
            summary.date.as_('date'),
            summary.company.as_('company'),
            summary.currency.as_('currency'),
            summary.customer.as_('customer'),
            summary.warehouse.as_('location'),
            summary.shipment_address.as_('shipment_address'),
            summary.dealer.as_('dealer'),
            summary.category.as_('category'),
            summary.quantity.as_('dms_quantity'),
            summary.amount.as_('dms_amount'),
            summary.number.as_('dms_number'),
            where=(summary.kind == cls._dms_kind)
            & (summary.company == company_id))

    @classmethod
    def _sale_line_columns(cls, line, sale):
        pool = Pool()
        Uom = pool.get('product.uom')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        unit = Uom.__table__()
        default_unit = Uom.__table__()
        product = Product.__table__()
        template = Template.__table__()
        quantity = Coalesce(line.actual_quantity, line.quantity)
        line_factor = unit.select(unit.factor, where=unit.id == line.unit)
        default_factor = (product
            .join(template, condition=product.template == template.id)
            .join(default_unit,
                condition=template.default_uom == default_unit.id)
            .select(default_unit.factor, where=product.id == line.product))
        return super()._sale_line_columns(line, sale) + [
            sale.dealer.as_('dealer'),
            (quantity * line_factor / default_factor).as_('dms_quantity'),
            (quantity * line.unit_price).as_('dms_amount'),
            ]

    @classmethod
    def _where(cls, tables, withs):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        context = Transaction().context
        line = tables['line']
        previous = cls._dms_compare()
        if previous:
            with Transaction().set_context(from_date=previous[0]):
                where = super()._where(tables, withs)
        else:
            where = super()._where(tables, withs)
        with Transaction().set_context(active_test=False):
            if context.get('dealer'):
                where &= line.dealer == context['dealer']
            if context.get('tier'):
                where &= line.dealer.in_(Dealer.search([
                            ('tier', '=', context['tier']),
                            ], query=True))
            if context.get('territory'):
                where &= line.dealer.in_(Dealer.search([
                            ('territory', 'child_of',
                                [context['territory']], 'parent'),
                            ], query=True))
        return where

    @classmethod
    def _dms_amount(cls, tables, withs):
        "The amount of a line in the company's currency"
        line = tables['line']
        currency_company = withs['currency_company']
        currency_sale = withs['currency_sale']
        if cls._dms_summary():
            amount = line.dms_amount
        else:
            amount = line.quantity * line.unit_price
        return amount * currency_company.rate / currency_sale.rate

    @classmethod
    def _dms_round(cls, tables, value):
        currency = tables['line.company.currency']
        return Round(cls.revenue.sql_cast(value), currency.digits)

    @classmethod
    def _columns(cls, tables, withs):
        line = tables['line']
        columns = super()._columns(tables, withs)
        previous = cls._dms_compare()
        summary = cls._dms_summary()
        amount = cls._dms_amount(tables, withs)
        replace = {}
        if previous:
            current = line.date >= _date(
                Transaction().context.get('from_date'))
            revenue = cls._dms_round(tables, Sum(
                    Case((current, amount), else_=0)))
            before = cls._dms_round(tables, Sum(
                    Case((~current, amount), else_=0)))
            replace['revenue'] = revenue
            if summary:
                replace['number'] = cls.number.sql_cast(Sum(
                        Case((current, line.dms_number), else_=0)))
            else:
                replace['number'] = Count(
                    Case((current, line.order)), distinct=True)
            extra = [
                before.as_('previous_revenue'),
                Case((before != 0, cls.revenue_growth.sql_cast(
                            (revenue - before) * 100 / before)),
                    else_=Null).as_('revenue_growth'),
                ]
        else:
            if summary:
                replace['revenue'] = cls._dms_round(tables, Sum(amount))
                replace['number'] = cls.number.sql_cast(
                    Sum(line.dms_number))
            extra = []
            if cls._dms_comparable:
                extra = [
                    _null(cls, 'previous_revenue'),
                    _null(cls, 'revenue_growth'),
                    ]
        columns = [
            replace[c.output_name].as_(c.output_name)
            if c.output_name in replace else c
            for c in columns]
        if 'quantity' in cls._fields:
            quantity = line.dms_quantity
            if previous:
                current = line.date >= _date(
                    Transaction().context.get('from_date'))
                now = Sum(Case((current, quantity), else_=0))
                then = Sum(Case((~current, quantity), else_=0))
                columns += [
                    cls.quantity.sql_cast(now).as_('quantity'),
                    cls.quantity.sql_cast(then).as_('previous_quantity'),
                    Case((then != 0, cls.quantity_growth.sql_cast(
                                (now - then) * 100 / then)),
                        else_=Null).as_('quantity_growth'),
                    ]
            else:
                columns.append(
                    cls.quantity.sql_cast(Sum(quantity)).as_('quantity'))
                if cls._dms_comparable:
                    columns += [
                        _null(cls, 'previous_quantity'),
                        _null(cls, 'quantity_growth'),
                        ]
        return columns + extra

    @classmethod
    def _period_delta(cls):
        period = Transaction().context.get('period', 'month')
        if period == 'week':
            return relativedelta(weeks=1)
        elif period == 'quarter':
            return relativedelta(months=3)
        return super()._period_delta()


class TimeseriesMixin(ReportingMixin):
    "The periods week and quarter on every backend"
    __slots__ = ()

    @classmethod
    def _column_date(cls, tables, withs):
        context = Transaction().context
        period = context.get('period', 'month')
        if backend.name == 'sqlite' and period in {'week', 'quarter'}:
            line = tables['line']
            if period == 'week':
                # The Monday on or before the date
                date = SQLiteDate(line.date, '-6 days', 'weekday 1')
            else:
                date = SQLiteDate(line.date, 'start of month',
                    SQLitePrintf('-%d months', (
                            SQLiteStrftime('%m', line.date) - 1) % 3))
            return cls.date.sql_cast(date)
        return super()._column_date(tables, withs)


class ComparableMixin:
    "The figures of the previous period of the same length"
    __slots__ = ()
    _dms_comparable = True
    previous_revenue = Monetary(
        lazy_gettext('dms_reports.msg_reporting_previous_revenue'),
        digits='currency', currency='currency',
        help=lazy_gettext('dms_reports.msg_reporting_previous_revenue_help'))
    revenue_growth = fields.Float(
        lazy_gettext('dms_reports.msg_reporting_revenue_growth'),
        digits=(16, 1),
        help=lazy_gettext('dms_reports.msg_reporting_growth_help'))


class QuantityMixin:
    __slots__ = ()
    quantity = fields.Float(
        lazy_gettext('dms_reports.msg_reporting_quantity'),
        help=lazy_gettext('dms_reports.msg_reporting_quantity_help'))


class ComparableQuantityMixin(QuantityMixin):
    __slots__ = ()
    previous_quantity = fields.Float(
        lazy_gettext('dms_reports.msg_reporting_previous_quantity'))
    quantity_growth = fields.Float(
        lazy_gettext('dms_reports.msg_reporting_quantity_growth'),
        digits=(16, 1),
        help=lazy_gettext('dms_reports.msg_reporting_growth_help'))


class Context(metaclass=PoolMeta):
    __name__ = 'sale.reporting.context'

    dealer = fields.Many2One(
        'dms.dealer', lazy_gettext('dms_reports.msg_reporting_dealer'),
        context={'active_test': False})
    tier = fields.Many2One(
        'dms.dealer.tier', lazy_gettext('dms_reports.msg_reporting_tier'))
    territory = fields.Many2One(
        'dms.territory', lazy_gettext('dms_reports.msg_reporting_territory'),
        help=lazy_gettext('dms_reports.msg_reporting_territory_help'))
    compare = fields.Boolean(
        lazy_gettext('dms_reports.msg_reporting_compare'),
        help=lazy_gettext('dms_reports.msg_reporting_compare_help'))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        selection = dict(cls.period.selection)
        cls.period.selection = [
            ('year', selection.get('year', "Year")),
            ('quarter', lazy_gettext('dms_reports.msg_reporting_quarter')),
            ('month', selection.get('month', "Month")),
            ('week', lazy_gettext('dms_reports.msg_reporting_week')),
            ('day', selection.get('day', "Day")),
            ]

    @classmethod
    def default_dealer(cls):
        return Transaction().context.get('dealer')

    @classmethod
    def default_tier(cls):
        return Transaction().context.get('tier')

    @classmethod
    def default_territory(cls):
        return Transaction().context.get('territory')

    @classmethod
    def default_compare(cls):
        return bool(Transaction().context.get('compare'))


# Tryton's reports, read from the summary

class Main(ReportingMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.main'


class MainTimeseries(TimeseriesMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.main.time_series'


class Customer(ComparableMixin, ReportingMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.customer'


class CustomerTimeseries(TimeseriesMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.customer.time_series'


class CustomerCategory(ReportingMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.customer.category'


class CustomerCategoryTimeseries(TimeseriesMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.customer.category.time_series'


class Product(
        ComparableQuantityMixin, ComparableMixin, ReportingMixin,
        metaclass=PoolMeta):
    __name__ = 'sale.reporting.product'
    _dms_kind = 'product'


class ProductTimeseries(QuantityMixin, TimeseriesMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.product.time_series'
    _dms_kind = 'product'


class _SummaryCategoryMixin:
    """The category rows of the summary: they carry the category that
    Tryton's category report joins from the lines' products"""
    __slots__ = ()
    _dms_kind = 'category'

    @classmethod
    def _joins(cls):
        if not cls._dms_summary():
            return super()._joins()
        # Tryton's joins without those of its category mixin (the product
        # and its template's categories), which the summary holds
        from_item, tables, withs = Abstract._joins.__func__(cls)
        tables['line.product.template_category'] = tables['line']
        return from_item, tables, withs


class ProductCategory(
        _SummaryCategoryMixin, ComparableQuantityMixin, ComparableMixin,
        ReportingMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.product.category'


class ProductCategoryTimeseries(
        _SummaryCategoryMixin, QuantityMixin, TimeseriesMixin,
        metaclass=PoolMeta):
    __name__ = 'sale.reporting.product.category.time_series'


class Country(ReportingMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.country'


class CountryTimeseries(TimeseriesMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.country.time_series'


class Subdivision(ReportingMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.country.subdivision'


class SubdivisionTimeseries(TimeseriesMixin, metaclass=PoolMeta):
    __name__ = 'sale.reporting.country.subdivision.time_series'


# The DMS reports

class DealerMixin:
    __slots__ = ()
    dealer = fields.Many2One(
        'dms.dealer', lazy_gettext('dms_reports.msg_reporting_dealer'),
        context={
            'company': Eval('company', -1),
            'active_test': False,
            },
        depends={'company'})

    @classmethod
    def _columns(cls, tables, withs):
        line = tables['line']
        return super()._columns(tables, withs) + [line.dealer.as_('dealer')]

    @classmethod
    def _group_by(cls, tables, withs):
        line = tables['line']
        return super()._group_by(tables, withs) + [line.dealer]

    @classmethod
    def _where(cls, tables, withs):
        line = tables['line']
        return super()._where(tables, withs) & (line.dealer != Null)

    def get_rec_name(self, name):
        return self.dealer.rec_name if self.dealer else None

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('dealer.rec_name', *clause[1:])]


class Dealer(
        ComparableMixin, ReportingMixin, DealerMixin, Abstract, ModelView):
    __string__ = "Sales per Dealer"
    __name__ = 'sale.reporting.dealer'

    time_series = fields.One2Many(
        'sale.reporting.dealer.time_series', 'dealer',
        lazy_gettext('sale.msg_sale_reporting_time_series'))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('dealer', 'ASC'))

    @classmethod
    def _column_id(cls, tables, withs):
        line = tables['line']
        return line.dealer


class DealerTimeseries(
        TimeseriesMixin, DealerMixin, AbstractTimeseries, ModelView):
    __string__ = "Sales per Dealer per Period"
    __name__ = 'sale.reporting.dealer.time_series'


class _DealerJoinMixin:
    "The dealer of the lines, for its tier and territory"
    __slots__ = ()

    @classmethod
    def _joins(cls):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        from_item, tables, withs = super()._joins()
        if 'line.dealer' not in tables:
            dealer = Dealer.__table__()
            tables['line.dealer'] = dealer
            line = tables['line']
            from_item = from_item.join(
                dealer, condition=line.dealer == dealer.id)
        return from_item, tables, withs


class TierMixin(_DealerJoinMixin):
    __slots__ = ()
    tier = fields.Many2One(
        'dms.dealer.tier', lazy_gettext('dms_reports.msg_reporting_tier'),
        context={'active_test': False})

    @classmethod
    def _columns(cls, tables, withs):
        dealer = tables['line.dealer']
        return super()._columns(tables, withs) + [dealer.tier.as_('tier')]

    @classmethod
    def _group_by(cls, tables, withs):
        dealer = tables['line.dealer']
        return super()._group_by(tables, withs) + [dealer.tier]

    @classmethod
    def _where(cls, tables, withs):
        dealer = tables['line.dealer']
        return super()._where(tables, withs) & (dealer.tier != Null)

    def get_rec_name(self, name):
        return self.tier.rec_name if self.tier else None

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('tier.rec_name', *clause[1:])]


class Tier(ComparableMixin, ReportingMixin, TierMixin, Abstract, ModelView):
    __string__ = "Sales per Tier"
    __name__ = 'sale.reporting.tier'

    time_series = fields.One2Many(
        'sale.reporting.tier.time_series', 'tier',
        lazy_gettext('sale.msg_sale_reporting_time_series'))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('revenue', 'DESC'))

    @classmethod
    def _column_id(cls, tables, withs):
        dealer = tables['line.dealer']
        return dealer.tier


class TierTimeseries(TimeseriesMixin, TierMixin, AbstractTimeseries, ModelView):
    __string__ = "Sales per Tier per Period"
    __name__ = 'sale.reporting.tier.time_series'


class TerritoryMixin(_DealerJoinMixin):
    __slots__ = ()
    territory = fields.Many2One(
        'dms.territory', lazy_gettext('dms_reports.msg_reporting_territory'),
        context={'active_test': False})

    @classmethod
    def _columns(cls, tables, withs):
        dealer = tables['line.dealer']
        return super()._columns(tables, withs) + [
            dealer.territory.as_('territory')]

    @classmethod
    def _group_by(cls, tables, withs):
        dealer = tables['line.dealer']
        return super()._group_by(tables, withs) + [dealer.territory]

    @classmethod
    def _where(cls, tables, withs):
        dealer = tables['line.dealer']
        return super()._where(tables, withs) & (dealer.territory != Null)

    def get_rec_name(self, name):
        return self.territory.rec_name if self.territory else None

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('territory.rec_name', *clause[1:])]


class Territory(
        ComparableMixin, ReportingMixin, TerritoryMixin, Abstract, ModelView):
    """Sales per Territory (of the dealers directly in it: the tree adds
    the sub-territories)"""
    __string__ = "Sales per Territory"
    __name__ = 'sale.reporting.territory'

    time_series = fields.One2Many(
        'sale.reporting.territory.time_series', 'territory',
        lazy_gettext('sale.msg_sale_reporting_time_series'))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('territory', 'ASC'))

    @classmethod
    def _column_id(cls, tables, withs):
        dealer = tables['line.dealer']
        return dealer.territory


class TerritoryTimeseries(
        TimeseriesMixin, TerritoryMixin, AbstractTimeseries, ModelView):
    __string__ = "Sales per Territory per Period"
    __name__ = 'sale.reporting.territory.time_series'


class TerritoryTree(ModelSQL, ModelView):
    __string__ = "Sales per Territory (Tree)"
    __name__ = 'sale.reporting.territory.tree'

    name = fields.Function(
        fields.Char(lazy_gettext('dms_reports.msg_reporting_name')),
        'get_name', searcher='search_name')
    parent = fields.Many2One('sale.reporting.territory.tree',
        lazy_gettext('dms_reports.msg_reporting_parent'))
    children = fields.One2Many(
        'sale.reporting.territory.tree', 'parent',
        lazy_gettext('dms_reports.msg_reporting_children'))
    revenue = fields.Function(Monetary(
            lazy_gettext('sale.msg_sale_reporting_revenue'),
            digits='currency', currency='currency'), 'get_total')
    number = fields.Function(fields.Integer(
            lazy_gettext('sale.msg_sale_reporting_number'),
            help=lazy_gettext('sale.msg_sale_reporting_number_help')),
        'get_total')
    currency = fields.Function(fields.Many2One(
            'currency.currency',
            lazy_gettext('sale.msg_sale_reporting_currency')),
        'get_currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def table_query(cls):
        pool = Pool()
        Territory = pool.get('dms.territory')
        return Territory.__table__()

    @classmethod
    def get_name(cls, territories, name):
        pool = Pool()
        Territory = pool.get('dms.territory')
        return {t.id: t.name for t in Territory.browse(territories)}

    @classmethod
    def search_name(cls, name, clause):
        pool = Pool()
        Territory = pool.get('dms.territory')
        return [('id', 'in', Territory.search([clause], query=True))]

    @classmethod
    def order_name(cls, tables):
        pool = Pool()
        Territory = pool.get('dms.territory')
        table, _ = tables[None]
        if 'territory' not in tables:
            territory = Territory.__table__()
            tables['territory'] = {
                None: (territory, table.id == territory.id),
                }
        return Territory.name.convert_order(
            'name', tables['territory'], Territory)

    @classmethod
    def get_total(cls, territories, names):
        pool = Pool()
        ReportingTerritory = pool.get('sale.reporting.territory')
        territories = cls.search([
                ('parent', 'child_of', [t.id for t in territories]),
                ])
        ids = [t.id for t in territories]
        rows = ReportingTerritory.search([('territory', 'in', ids)])
        result = {}
        for name in names:
            zero = Decimal(0) if name == 'revenue' else 0
            values = defaultdict(lambda: zero)
            for row in rows:
                values[row.territory.id] += getattr(row, name) or zero
            result[name] = sum_tree(territories, values)
        return result

    def get_currency(self, name):
        pool = Pool()
        Company = pool.get('company.company')
        company = Transaction().context.get('company')
        if company is not None and company >= 0:
            return Company(company).currency.id


class OpenSales(Wizard):
    __string__ = "Open the Orders of a Report Row"
    __name__ = 'dms.reporting.open_sales'
    _readonly = True

    start = StateAction('sale.act_sale_form')

    def do_start(self, action):
        pool = Pool()
        Main = pool.get('sale.reporting.main')
        context = Transaction().context
        domain = [('state', 'in', Main._sale_states())]
        if context.get('company') is not None:
            domain.append(('company', '=', context['company']))
        from_date = _date(context.get('from_date'))
        to_date = _date(context.get('to_date'))
        record = self.record
        if getattr(record, 'date', None):
            # A period of a time series
            delta = record._period_delta() or relativedelta(days=1)
            start = record.date
            end = record.date + delta - relativedelta(days=1)
            from_date = max(from_date, start) if from_date else start
            to_date = min(to_date, end) if to_date else end
        clause = self._record_domain(record)
        if clause:
            domain.append(clause)
        if from_date:
            domain.append(('sale_date', '>=', from_date))
        if to_date:
            domain.append(('sale_date', '<=', to_date))
        for key, clause in [
                ('dealer', lambda v: ('dealer', '=', v)),
                ('tier', lambda v: ('dealer.tier', '=', v)),
                ('territory', lambda v: (
                        'dealer.territory', 'child_of', [v], 'parent')),
                ]:
            if context.get(key):
                domain.append(clause(context[key]))
        action['pyson_domain'] = PYSONEncoder().encode(domain)
        if record.rec_name:
            action['name'] += ' (%s)' % record.rec_name
        return action, {}

    @staticmethod
    def _record_domain(record):
        if getattr(record, 'dealer', None):
            return ('dealer', '=', record.dealer.id)
        if getattr(record, 'tier', None):
            return ('dealer.tier', '=', record.tier.id)
        if getattr(record, 'territory', None):
            return ('dealer.territory', '=', record.territory.id)
        if record.__name__ == 'sale.reporting.territory.tree':
            return ('dealer.territory', 'child_of', [record.id], 'parent')
        if getattr(record, 'product', None):
            return ('lines.product', '=', record.product.id)
        if getattr(record, 'customer', None):
            return ('party', '=', record.customer.id)
        return ()


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    @classmethod
    def on_modification(cls, mode, companies, field_names=None):
        super().on_modification(mode, companies, field_names=field_names)
        if mode == 'create' or (field_names and 'currency' in field_names):
            cls.dms_ensure_rate(companies)

    @classmethod
    def dms_ensure_rate(cls, companies):
        """Give the currency of the companies a rate of 1 when it has none:
        Tryton's sale reports join the sales on the rates of their currency
        and of the company's, and show nothing without"""
        pool = Pool()
        Rate = pool.get('currency.currency.rate')
        currencies = {c.currency for c in companies if c.currency}
        missing = [c for c in currencies if not Rate.search([
                    ('currency', '=', c.id)], limit=1)]
        if missing:
            Rate.create([{
                        'currency': c.id,
                        'date': dt.date(1970, 1, 1),
                        'rate': Decimal(1),
                        } for c in missing])

