# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The figures of a dealer's dashboard in the portal.

They are read from the sale reports (``sale.reporting.dealer.time_series``
and ``sale.reporting.product`` with the context key ``dealer``), which the
portal's user may not read: the reports have no record rules (they are
sums over every dealer), so ``dms_dashboard`` reads them without access
checks for the one dealer it is given, and refuses any other dealer than
the one of the portal's session.  The orders by stage are searched with the
portal's access rights and record rules."""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .reporting import _date

# The periods of the dashboard and how many of them it shows (the current
# one included)
PERIODS = {
    'week': 26,
    'month': 13,
    'quarter': 8,
    }
DEFAULT_PERIOD = 'month'
# The products of the ranking
TOP = 10


def period_start(date, period):
    "The first day of the period of date"
    if period == 'week':
        return date - dt.timedelta(days=date.weekday())
    if period == 'quarter':
        return date.replace(month=(date.month - 1) // 3 * 3 + 1, day=1)
    return date.replace(day=1)


def period_delta(period):
    return {
        'week': relativedelta(weeks=1),
        'month': relativedelta(months=1),
        'quarter': relativedelta(months=3),
        }[period]


def period_starts(period, today):
    "The first days of the periods the dashboard shows, oldest first"
    last = period_start(today, period)
    delta = period_delta(period)
    return [last - delta * n for n in range(PERIODS[period] - 1, -1, -1)]


class Dealer(metaclass=PoolMeta):
    __name__ = 'dms.dealer'

    @classmethod
    def dms_dashboard(cls, dealer, period=DEFAULT_PERIOD, today=None):
        """The dashboard's figures of the dealer over the last periods:

        - ``series``: [{date, revenue, orders}] per period, the empty ones
          included;
        - ``products``: the TOP products by revenue [{product, code, name,
          quantity, revenue, orders}];
        - ``stages``: [(stage, count)] of its orders open or placed since
          ``from_date``;
        - ``revenue``, ``orders``, ``list_amount`` (the products' list
          prices times the quantities) and ``saved`` (list amount minus
          revenue) over the periods;
        - ``from_date``, ``to_date``, ``period``, ``currency``."""
        pool = Pool()
        Date = pool.get('ir.date')
        Series = pool.get('sale.reporting.dealer.time_series')
        ProductReport = pool.get('sale.reporting.product')
        Product = pool.get('product.product')
        Sale = pool.get('sale.sale')
        context = Transaction().context
        if not dealer or not dealer.id or dealer.id < 0:
            raise AccessError(gettext('dms_reports.msg_dashboard_dealer'))
        if (context.get('_dms_portal_user') is not None
                and context.get('_dms_portal_dealer') != dealer.id):
            # Only the dealer of the portal's session
            raise AccessError(gettext('dms_reports.msg_dashboard_dealer'))
        if period not in PERIODS:
            period = DEFAULT_PERIOD
        company = dealer.company
        currency = company.currency
        with Transaction().set_context(company=company.id):
            today = today or Date.today()
        starts = period_starts(period, today)
        from_date = starts[0]
        report_context = {
            'company': company.id,
            # Never empty: the reports would sum every dealer
            'dealer': dealer.id,
            'from_date': from_date,
            'to_date': today,
            'period': period,
            'compare': False,
            'tier': None,
            'territory': None,
            'warehouse': None,
            }
        with without_check_access(), \
                Transaction().set_context(report_context):
            by_date = {}
            for row in Series.search([('dealer', '=', dealer.id)]):
                date = period_start(_date(row.date), period)
                revenue, orders = by_date.get(date, (Decimal(0), 0))
                by_date[date] = (
                    revenue + (row.revenue or 0), orders + (row.number or 0))
            products = []
            for row in ProductReport.search([]):
                if not row.product:
                    continue
                products.append({
                        'product': row.product.id,
                        'quantity': row.quantity or 0,
                        'revenue': row.revenue or Decimal(0),
                        'orders': row.number or 0,
                        })
            products.sort(key=lambda p: (-p['revenue'], p['product']))
            # The list prices of the company, per default unit as the
            # quantities
            list_amount = saved_revenue = Decimal(0)
            for product in Product.browse([p['product'] for p in products]):
                values = next(
                    p for p in products if p['product'] == product.id)
                values['code'] = product.code or ''
                values['name'] = product.name or product.rec_name
                # The variant's list price, else its template's
                list_price = product.list_price_used
                values['list_price'] = list_price
                if list_price is not None:
                    list_amount += (
                        list_price * Decimal(str(values['quantity'])))
                    saved_revenue += values['revenue']
        series = [{
                'date': start,
                'revenue': by_date.get(start, (Decimal(0), 0))[0],
                'orders': by_date.get(start, (Decimal(0), 0))[1],
                } for start in starts]
        list_amount = currency.round(list_amount)
        saved = currency.round(list_amount - saved_revenue)

        # The orders by stage, with the portal's rights and rules
        stages = []
        open_stages = ['received', 'confirmed', 'in_production', 'ready',
            'shipped']
        for stage, _ in Sale.fields_get(['dms_stage'])['dms_stage'][
                'selection']:
            if not stage:
                continue
            domain = [
                ('dealer', '=', dealer.id),
                ('state', '!=', 'draft'),
                ('dms_stage', '=', stage),
                ]
            if stage not in open_stages:
                domain.append(('sale_date', '>=', from_date))
            stages.append((stage, Sale.search_count(domain)))
        return {
            'period': period,
            'from_date': from_date,
            'to_date': today,
            'currency': currency,
            'series': series,
            'products': products[:TOP],
            'stages': stages,
            'revenue': sum((s['revenue'] for s in series), Decimal(0)),
            'orders': sum(s['orders'] for s in series),
            'list_amount': list_amount,
            'saved': saved,
            }
