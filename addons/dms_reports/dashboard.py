# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The factory's dashboard: key figures and the dealers at risk.

The dashboard itself is a board view of Tryton (dashboard.xml): these models
are two of its panes, the others are the reports and the lists of the
other modules opened with the context of the day."""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null, Select, Union
from sql.aggregate import Max
from sql.conditionals import Case, Coalesce
from sql.functions import Function, Round

from trytond import backend
from trytond.i18n import gettext, lazy_gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.tools.domain_inversion import eval_domain
from trytond.transaction import Transaction

FIGURES = ['today', 'month', 'year']


class JulianDay(Function):
    __slots__ = ()
    _function = 'JULIANDAY'


def _today():
    "Today, or the context's dms_today (tests, a look at another day)"
    pool = Pool()
    Date = pool.get('ir.date')
    today = Transaction().context.get('dms_today')
    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    return today or Date.today()


class Figure(ModelSQL, ModelView):
    "Key Figure"
    __string__ = "Key Figure"
    __name__ = 'dms.reporting.figure'

    name = fields.Function(
        fields.Char(lazy_gettext('dms_reports.msg_figure_name')),
        'get_name', searcher='search_name')
    from_date = fields.Function(
        fields.Date(lazy_gettext('dms_reports.msg_figure_from_date')),
        'get_figures')
    to_date = fields.Function(
        fields.Date(lazy_gettext('dms_reports.msg_figure_to_date')),
        'get_figures')
    number = fields.Function(fields.Integer(
            lazy_gettext('sale.msg_sale_reporting_number'),
            help=lazy_gettext('sale.msg_sale_reporting_number_help')),
        'get_figures')
    revenue = fields.Function(Monetary(
            lazy_gettext('sale.msg_sale_reporting_revenue'),
            digits='currency', currency='currency'), 'get_figures')
    previous_number = fields.Function(fields.Integer(
            lazy_gettext('dms_reports.msg_figure_previous_number')),
        'get_figures')
    previous_revenue = fields.Function(Monetary(
            lazy_gettext('dms_reports.msg_figure_previous_revenue'),
            digits='currency', currency='currency'), 'get_figures')
    revenue_growth = fields.Function(fields.Float(
            lazy_gettext('dms_reports.msg_reporting_revenue_growth'),
            digits=(16, 1),
            help=lazy_gettext('dms_reports.msg_figure_growth_help')),
        'get_figures')
    currency = fields.Function(fields.Many2One(
            'currency.currency',
            lazy_gettext('sale.msg_sale_reporting_currency')),
        'get_currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'ASC')]

    @classmethod
    def table_query(cls):
        # One row per figure
        return Union(*(Select([cls.id.sql_cast(Literal(i)).as_('id')])
                for i, _ in enumerate(FIGURES, 1)), all_=True)

    @classmethod
    def periods(cls, today):
        """{figure: ((from, to), (from, to) a year before)}: today, the
        month and the year to date"""
        result = {}
        year = relativedelta(years=1)
        for key in FIGURES:
            if key == 'today':
                start = today
            elif key == 'month':
                start = today.replace(day=1)
            else:
                start = today.replace(month=1, day=1)
            result[key] = ((start, today), (start - year, today - year))
        return result

    def get_name(self, name):
        return gettext('dms_reports.msg_figure_%s' % FIGURES[self.id - 1])

    @classmethod
    def search_name(cls, name, clause):
        "The figures whose name in the user's language matches"
        ids = [i for i, key in enumerate(FIGURES, 1)
            if eval_domain([('name',) + tuple(clause[1:])], {
                        'name': gettext('dms_reports.msg_figure_%s' % key)})]
        return [('id', 'in', ids)]

    @classmethod
    def get_figures(cls, figures, names):
        pool = Pool()
        Main = pool.get('sale.reporting.main')
        periods = cls.periods(_today())
        result = {n: {} for n in names}
        for figure in figures:
            key = FIGURES[figure.id - 1]
            values = {}
            for prefix, (from_date, to_date) in zip(
                    ['', 'previous_'], periods[key]):
                with Transaction().set_context(
                        from_date=from_date, to_date=to_date,
                        compare=False, dealer=None, tier=None,
                        territory=None, warehouse=None):
                    rows = Main.search([])
                values[prefix + 'number'] = sum(r.number for r in rows)
                values[prefix + 'revenue'] = sum(
                    (r.revenue for r in rows), Decimal(0))
                if not prefix:
                    values['from_date'] = from_date
                    values['to_date'] = to_date
            before = values['previous_revenue']
            values['revenue_growth'] = (
                float((values['revenue'] - before) * 100 / before)
                if before else None)
            for name in names:
                result[name][figure.id] = values[name]
        return result

    def get_currency(self, name):
        pool = Pool()
        Company = pool.get('company.company')
        company = Transaction().context.get('company')
        if company is not None and company >= 0:
            return Company(company).currency.id


class DealerRisk(ModelSQL, ModelView):
    """Dealer at Risk

    A dealer that ordered at least MIN_ORDERS times in the year before the
    last RECENT days (its rhythm) and, in these days, ordered for less than
    half of what its rhythm gives, or not for more than twice its usual
    interval between orders."""
    __string__ = "Dealer at Risk"
    __name__ = 'dms.reporting.dealer_risk'

    RECENT = 90
    HISTORY = 365
    MIN_ORDERS = 4

    company = fields.Many2One('company.company',
        lazy_gettext('sale.msg_sale_reporting_company'))
    dealer = fields.Many2One('dms.dealer',
        lazy_gettext('dms_reports.msg_reporting_dealer'),
        context={'active_test': False})
    usual_orders = fields.Integer(
        lazy_gettext('dms_reports.msg_risk_usual_orders'),
        help=lazy_gettext('dms_reports.msg_risk_usual_orders_help'))
    usual_interval = fields.Integer(
        lazy_gettext('dms_reports.msg_risk_usual_interval'),
        help=lazy_gettext('dms_reports.msg_risk_usual_interval_help'))
    usual_revenue = Monetary(
        lazy_gettext('dms_reports.msg_risk_usual_revenue'),
        digits='currency', currency='currency',
        help=lazy_gettext('dms_reports.msg_risk_usual_revenue_help'))
    recent_orders = fields.Integer(
        lazy_gettext('dms_reports.msg_risk_recent_orders'))
    recent_revenue = Monetary(
        lazy_gettext('dms_reports.msg_risk_recent_revenue'),
        digits='currency', currency='currency',
        help=lazy_gettext('dms_reports.msg_risk_recent_revenue_help'))
    revenue_change = fields.Float(
        lazy_gettext('dms_reports.msg_risk_revenue_change'),
        digits=(16, 1),
        help=lazy_gettext('dms_reports.msg_risk_revenue_change_help'))
    last_order = fields.Date(lazy_gettext('dms_reports.msg_risk_last_order'))
    days_since = fields.Integer(
        lazy_gettext('dms_reports.msg_risk_days_since'))
    currency = fields.Many2One('currency.currency',
        lazy_gettext('sale.msg_sale_reporting_currency'))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('revenue_change', 'ASC'), ('dealer', 'ASC'), ('id', 'ASC')]

    @classmethod
    def windows(cls, today):
        "(history from, history to), (recent from, recent to)"
        recent_from = today - dt.timedelta(days=cls.RECENT - 1)
        history_to = recent_from - dt.timedelta(days=1)
        history_from = history_to - dt.timedelta(days=cls.HISTORY - 1)
        return (history_from, history_to), (recent_from, today)

    @classmethod
    def table_query(cls):
        pool = Pool()
        Dealer = pool.get('sale.reporting.dealer')
        Summary = pool.get('dms.reporting.summary')
        context = Transaction().context
        today = _today()
        reports = []
        # The dealer report of each window, as Tryton counts it
        for from_date, to_date in cls.windows(today):
            with Transaction().set_context(
                    from_date=from_date, to_date=to_date, compare=False,
                    dms_summary=True):
                reports.append(Dealer.table_query())
        history, recent = reports
        summary = Summary.__table__()
        last = summary.select(
            summary.dealer.as_('dealer'),
            Max(summary.date).as_('date'),
            where=(summary.kind == 'order')
            & (summary.company == context.get('company'))
            & (summary.date <= today) & (summary.number > 0),
            group_by=[summary.dealer])

        usual_revenue = Round(
            cls.usual_revenue.sql_cast(
                history.revenue * cls.RECENT / cls.HISTORY), 2)
        recent_revenue = Coalesce(recent.revenue, 0)
        usual_interval = cls.usual_interval.sql_cast(
            Literal(cls.HISTORY) / history.number)
        if backend.name == 'sqlite':
            days_since = cls.days_since.sql_cast(
                JulianDay(Literal(today.isoformat())) - JulianDay(last.date))
        else:
            days_since = cls.days_since.sql_cast(
                Literal(today) - last.date)
        at_risk = (
            (recent_revenue * 2 < usual_revenue)
            | (days_since > usual_interval * 2))
        return (history
            .join(recent, 'LEFT', condition=history.dealer == recent.dealer)
            .join(last, 'LEFT', condition=history.dealer == last.dealer)
            .select(
                history.dealer.as_('id'),
                history.company.as_('company'),
                history.currency.as_('currency'),
                history.dealer.as_('dealer'),
                history.number.as_('usual_orders'),
                usual_interval.as_('usual_interval'),
                usual_revenue.as_('usual_revenue'),
                Coalesce(recent.number, 0).as_('recent_orders'),
                cls.recent_revenue.sql_cast(recent_revenue).as_(
                    'recent_revenue'),
                Case((usual_revenue != 0, cls.revenue_change.sql_cast(
                            (recent_revenue - usual_revenue) * 100
                            / usual_revenue)),
                    else_=Null).as_('revenue_change'),
                last.date.as_('last_order'),
                days_since.as_('days_since'),
                where=(history.number >= cls.MIN_ORDERS) & at_risk))
