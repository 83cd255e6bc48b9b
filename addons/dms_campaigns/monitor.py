# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The live figures of a campaign, from the orders as they are

``dms.campaign.monitor`` is a sales report of Tryton's sale_reporting (with
the DMS's comparison with the previous period) over the sale lines of the
campaign's products ordered by a group of dealers during the campaign (up
to today while it runs) and during the period of the same length just
before: the participants (the dealers whose plan is approved) or the
control group (the dealers of the audience that do not take part; when all
take part, the dealers of the participants' tiers outside the audience).

The uplift compares the participants' growth with the control group's: the
revenue expected without the campaign is the participants' previous
revenue grown as the control group's; the incremental revenue is what they
sold above it."""
import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

from sql import Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce
from sql.operators import Concat

from trytond.model import ModelView, fields
from trytond.modules.sale.sale_reporting import Abstract
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from dms_reports.reporting import (
    ComparableMixin, ComparableQuantityMixin, DealerMixin, ReportingMixin,
    _date)

GROUPS = [
    ('participants', "Participants"),
    ('control', "Control Group"),
    ]


class Monitor(
        ComparableMixin, ComparableQuantityMixin, ReportingMixin, DealerMixin,
        Abstract, ModelView):
    __string__ = "Campaign Monitoring"
    __name__ = 'dms.campaign.monitor'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('revenue', 'DESC'))

    @classmethod
    def _column_id(cls, tables, withs):
        line = tables['line']
        return line.dealer

    @classmethod
    def _dms_summary(cls):
        # Distinct orders over several products need the lines
        return False

    @classmethod
    def _dms_campaign(cls):
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        campaign_id = Transaction().context.get('dms_campaign')
        if isinstance(campaign_id, int) and campaign_id >= 0:
            with without_check_access():
                campaigns = Campaign.search([('id', '=', campaign_id)])
            if campaigns:
                return campaigns[0]

    @classmethod
    def table_query(cls):
        campaign = cls._dms_campaign()
        context = Transaction().context
        if campaign:
            from_date, to_date = campaign.monitoring_period()
            context = {
                'company': campaign.company.id,
                'from_date': from_date,
                'to_date': to_date,
                'compare': True,
                }
        else:
            # No campaign: no row
            context = {'from_date': dt.date.max, 'to_date': dt.date.min}
        with Transaction().set_context(context):
            return super().table_query()

    @classmethod
    def _lines(cls):
        return [cls._dms_campaign_line]

    @classmethod
    def _dms_campaign_line(cls, length, index, company_id=None):
        """The sale lines of the campaign's products ordered by the group's
        dealers during the campaign and the period before it (the filters
        inside: the database reads only those lines)

        The group 'all' is the participants and the control group
        together; with _dms_campaign_costs in the context, each line has
        its cost (its quantity in the product's default unit at the
        product's cost price) and the discount the campaign's offer gave
        (dms_cost, dms_discount)."""
        pool = Pool()
        Line = pool.get('sale.line')
        Sale = pool.get('sale.sale')
        line = Line.__table__()
        sale = Sale.__table__()
        context = Transaction().context
        campaign = cls._dms_campaign()
        quantity = Coalesce(line.actual_quantity, line.quantity)
        where = sale.state.in_(cls._sale_states()) & (
            sale.company == company_id)
        if campaign:
            previous = cls._dms_compare()
            group = context.get('dms_campaign_group') or 'participants'
            dealer = context.get('dealer')
            if group == 'all':
                dealers = (campaign.group_query('participants', dealer)
                    | campaign.group_query('control', dealer))
            else:
                dealers = campaign.group_query(group, dealer)
            where &= ((sale.sale_date >= previous[0])
                & (sale.sale_date <= context['to_date'])
                & sale.dealer.in_(dealers)
                & line.product.in_(campaign.product_query()))
        else:
            where &= Literal(False)
        columns = [
            (line.id * length + index).as_('id'),
            line.product.as_('product'),
            quantity.as_('quantity'),
            line.unit_price.as_('unit_price'),
            Concat('sale.sale,', line.sale).as_('order'),
            sale.sale_date.as_('date'),
            sale.company.as_('company'),
            sale.currency.as_('currency'),
            sale.party.as_('customer'),
            sale.warehouse.as_('location'),
            sale.shipment_address.as_('shipment_address'),
            sale.dealer.as_('dealer'),
            quantity.as_('dms_quantity'),
            (quantity * line.unit_price).as_('dms_amount'),
            ]
        if context.get('_dms_campaign_costs'):
            columns += cls._dms_campaign_costs(
                campaign, line, quantity, company_id)
        return line.join(sale, condition=line.sale == sale.id).select(
            *columns, where=where)

    @classmethod
    def _dms_campaign_costs(cls, campaign, line, quantity, company_id):
        """The columns of the cost and the discount of the campaign's offer
        of a line"""
        pool = Pool()
        Uom = pool.get('product.uom')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        CostPrice = pool.get('product.cost_price')
        unit = Uom.__table__()
        default_unit = Uom.__table__()
        product = Product.__table__()
        template = Template.__table__()
        cost_price = CostPrice.__table__()
        # The cost of a unit of the line: a sub-query (with joins the
        # database would read every line), as Uom.compute_qty from the
        # line's unit to the default one
        unit_cost = (product
            .join(template, condition=product.template == template.id)
            .join(default_unit,
                condition=template.default_uom == default_unit.id)
            .join(unit, 'LEFT', condition=unit.id == line.unit)
            .join(cost_price, 'LEFT',
                condition=(cost_price.product == product.id)
                & (cost_price.company == company_id))
            .select(
                Coalesce(cost_price.cost_price, 0)
                * Coalesce(unit.factor, default_unit.factor)
                / default_unit.factor,
                where=product.id == line.product))
        if campaign and campaign.promotion:
            discount = Case((
                    (line.promotion == campaign.promotion.id)
                    & (line.original_unit_price != Null),
                    quantity * (line.original_unit_price - line.unit_price)),
                else_=0)
        else:
            discount = Literal(0)
        return [
            (quantity * unit_cost).as_('dms_cost'),
            discount.as_('dms_discount'),
            ]

    @classmethod
    def _columns(cls, tables, withs):
        columns = super()._columns(tables, withs)
        context = Transaction().context
        if context.get('_dms_campaign_costs'):
            # The campaign's days, in the company's currency
            line = tables['line']
            current = line.date >= _date(context.get('from_date'))
            rate = (withs['currency_company'].rate
                / withs['currency_sale'].rate)
            columns += [
                Sum(Case((current, line.dms_cost), else_=0)).as_('cost'),
                Sum(Case((current, line.dms_discount * rate),
                        else_=0)).as_('discount'),
                ]
        return columns

    @classmethod
    def _where(cls, tables, withs):
        # The lines are filtered inside; the dealer context filter of the
        # DMS reports is in the lines too
        with Transaction().set_context(dealer=None, tier=None,
                territory=None):
            return super()._where(tables, withs)


class MonitorContext(ModelView):
    __string__ = "Campaign Monitoring Context"
    __name__ = 'dms.campaign.monitor.context'
    dms_campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True)
    dms_campaign_group = fields.Selection(GROUPS, "Dealers", required=True)

    @classmethod
    def default_dms_campaign(cls):
        return Transaction().context.get('dms_campaign')

    @classmethod
    def default_dms_campaign_group(cls):
        return Transaction().context.get(
            'dms_campaign_group') or 'participants'


def group_rows(campaign, group='participants', dealer=None):
    """The rows of the report of a group of the campaign's dealers (or of
    one dealer), read in one query (records of a thousand dealers would
    cost more than the query): dealer id, revenue, previous_revenue,
    number, quantity"""
    pool = Pool()
    Monitor = pool.get('dms.campaign.monitor')
    currency = campaign.company.currency
    with Transaction().set_context(
            dms_campaign=campaign.id, dms_campaign_group=group,
            dealer=dealer.id if dealer else None,
            company=campaign.company.id):
        table = Monitor.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.dealer, table.revenue, table.previous_revenue,
                table.number, table.quantity))
        return [(dealer_id,
                currency.round(Decimal(str(revenue or 0))),
                currency.round(Decimal(str(previous or 0))),
                number or 0, quantity or 0)
            for dealer_id, revenue, previous, number, quantity in cursor]


def figures(campaign, group='participants', dealer=None):
    """The totals of a group of the campaign's dealers (or of one dealer):
    revenue, previous_revenue, number, quantity, dealers"""
    result = {
        'revenue': Decimal(0),
        'previous_revenue': Decimal(0),
        'number': 0,
        'quantity': 0.0,
        'dealers': 0,
        }
    for _, revenue, previous, number, quantity in group_rows(
            campaign, group, dealer):
        result['revenue'] += revenue
        result['previous_revenue'] += previous
        result['number'] += number
        result['quantity'] += quantity
        if revenue:
            result['dealers'] += 1
    return result


def growth(current, previous):
    "The growth in percent, None without previous figure"
    if not previous:
        return None
    return float((current - previous) / previous * 100)


def roi(margin, cost):
    "The return on the cost, None without cost"
    if not cost:
        return None
    return float(margin / cost)



def dealer_figures(campaign):
    """The figures of each participant (by dealer id) and the control
    group's totals, read in one query of the report: the revenue expected
    of each participant without the campaign is its previous revenue grown
    as the control group's; the incremental margin is the incremental
    revenue at the margin rate of its campaign sales (their revenue less
    the products' cost); the discount given is what the campaign's price
    took off its lines (in the company's currency, at the rate of each
    order's date, as the revenue)"""
    pool = Pool()
    Currency = pool.get('currency.currency')
    Participation = pool.get('dms.campaign.participation')
    Monitor = pool.get('dms.campaign.monitor')
    currency = campaign.company.currency
    cursor = Transaction().connection.cursor()
    participation = Participation.__table__()
    cursor.execute(*participation.select(participation.dealer,
            where=(participation.campaign == campaign.id)
            & (participation.state == 'approved')))
    participants = {d for d, in cursor}
    result = {}
    control = {
        'revenue': Decimal(0),
        'previous_revenue': Decimal(0),
        'number': 0,
        'quantity': 0.0,
        'dealers': 0,
        }
    with Transaction().set_context(
            dms_campaign=campaign.id, dms_campaign_group='all',
            _dms_campaign_costs=True, dealer=None,
            company=campaign.company.id):
        table = Monitor.__table__()
        cursor.execute(*table.select(
                table.dealer, table.revenue, table.previous_revenue,
                table.number, table.quantity, table.cost, table.discount))
    # Currency.round of a record reads its rounding each time
    rounding = currency.rounding

    def round_(value):
        return Currency._round(
            Decimal(str(value or 0)), rounding, ROUND_HALF_EVEN)

    for (dealer_id, revenue, previous, number, quantity, cost,
            discount) in cursor:
        revenue, previous = round_(revenue), round_(previous)
        if dealer_id not in participants:
            control['revenue'] += revenue
            control['previous_revenue'] += previous
            control['number'] += number or 0
            control['quantity'] += quantity or 0
            if revenue:
                control['dealers'] += 1
            continue
        result[dealer_id] = {
            'revenue': revenue,
            'previous_revenue': previous,
            'number': number or 0,
            'quantity': quantity or 0,
            'cost': round_(cost),
            'discount': round_(discount),
            }
    control_rate = (
        control['revenue'] / control['previous_revenue']
        if control['previous_revenue'] else Decimal(1))
    for figures_ in result.values():
        revenue = figures_['revenue']
        figures_['expected_revenue'] = round_(
            figures_['previous_revenue'] * control_rate)
        figures_['incremental_revenue'] = (
            revenue - figures_['expected_revenue'])
        margin_rate = ((revenue - figures_['cost']) / revenue
            if revenue else Decimal(0))
        figures_['incremental_margin'] = round_(
            figures_['incremental_revenue'] * margin_rate)
    return result, control
