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
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql.operators import Concat

from trytond.model import ModelView, fields
from trytond.modules.sale.sale_reporting import Abstract
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from dms_reports.reporting import (
    ComparableMixin, ComparableQuantityMixin, DealerMixin, ReportingMixin)

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
        inside: the database reads only those lines)"""
        pool = Pool()
        Line = pool.get('sale.line')
        Sale = pool.get('sale.sale')
        line = Line.__table__()
        sale = Sale.__table__()
        context = Transaction().context
        campaign = cls._dms_campaign()
        where = sale.state.in_(cls._sale_states()) & (
            sale.company == company_id)
        if campaign:
            previous = cls._dms_compare()
            where &= ((sale.sale_date >= previous[0])
                & (sale.sale_date <= context['to_date'])
                & sale.dealer.in_(campaign.group_query(
                        context.get('dms_campaign_group') or 'participants',
                        context.get('dealer')))
                & line.product.in_(campaign.product_query()))
        else:
            where &= Literal(False)
        return (line
            .join(sale, condition=line.sale == sale.id)
            .select(
                (line.id * length + index).as_('id'),
                line.product.as_('product'),
                Coalesce(line.actual_quantity, line.quantity).as_(
                    'quantity'),
                line.unit_price.as_('unit_price'),
                Concat('sale.sale,', line.sale).as_('order'),
                sale.sale_date.as_('date'),
                sale.company.as_('company'),
                sale.currency.as_('currency'),
                sale.party.as_('customer'),
                sale.warehouse.as_('location'),
                sale.shipment_address.as_('shipment_address'),
                sale.dealer.as_('dealer'),
                Coalesce(line.actual_quantity, line.quantity).as_(
                    'dms_quantity'),
                (Coalesce(line.actual_quantity, line.quantity)
                    * line.unit_price).as_('dms_amount'),
                where=where))

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
    group's totals: the revenue expected of each participant without the
    campaign is its previous revenue grown as the control group's; the
    incremental margin is the incremental revenue at the margin rate of
    its campaign sales (their revenue less the products' cost); the
    discount given is what the campaign's price took off its lines (in the
    company's currency at the rate of the campaign's last day counted)"""
    pool = Pool()
    Line = pool.get('sale.line')
    Sale = pool.get('sale.sale')
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    CostPrice = pool.get('product.cost_price')
    Uom = pool.get('product.uom')
    Currency = pool.get('currency.currency')
    Monitor = pool.get('dms.campaign.monitor')
    company = campaign.company
    currency = company.currency
    start, end = campaign.monitoring_period()
    result = {}
    for dealer_id, revenue, previous, number, quantity in group_rows(
            campaign):
        result[dealer_id] = {
            'revenue': revenue,
            'previous_revenue': previous,
            'number': number,
            'quantity': quantity,
            'cost': Decimal(0),
            'discount': Decimal(0),
            }
    control = figures(campaign, 'control')
    control_rate = (
        control['revenue'] / control['previous_revenue']
        if control['previous_revenue'] else Decimal(1))

    line = Line.__table__()
    sale = Sale.__table__()
    cursor = Transaction().connection.cursor()
    where = (sale.state.in_(Monitor._sale_states())
        & (sale.company == company.id)
        & (sale.sale_date >= start) & (sale.sale_date <= end)
        & sale.dealer.in_(campaign.group_query('participants'))
        & line.product.in_(campaign.product_query()))
    quantity = Coalesce(line.actual_quantity, line.quantity)
    # The products' default unit and cost price (of the company) in the
    # query: the records of thousands of products would cost more
    product = Product.__table__()
    template = Template.__table__()
    cost_price = CostPrice.__table__()
    cursor.execute(*line.join(sale, condition=line.sale == sale.id)
        .join(product, condition=line.product == product.id)
        .join(template, condition=product.template == template.id)
        .join(cost_price, 'LEFT',
            condition=(cost_price.product == product.id)
            & (cost_price.company == company.id))
        .select(
            sale.dealer, line.unit, template.default_uom,
            cost_price.cost_price, Sum(quantity),
            where=where,
            group_by=[sale.dealer, line.product, line.unit,
                template.default_uom, cost_price.cost_price]))
    rows = cursor.fetchall()
    units = {u.id: u for u in Uom.browse(
            {r[1] for r in rows if r[1]} | {r[2] for r in rows})}
    for dealer_id, unit_id, default_uom, cost, qty in rows:
        figures_ = result.get(dealer_id)
        if figures_ is None:
            continue
        default_uom = units[default_uom]
        qty = Uom.compute_qty(
            units.get(unit_id) or default_uom, qty or 0, default_uom)
        figures_['cost'] += Decimal(str(qty)) * Decimal(str(cost or 0))
    if campaign.promotion:
        cursor.execute(*line.join(sale, condition=line.sale == sale.id
                ).select(
                sale.dealer, sale.currency,
                Sum(quantity * (line.original_unit_price - line.unit_price)),
                where=where & (line.promotion == campaign.promotion.id)
                & (line.original_unit_price != Null),
                group_by=[sale.dealer, sale.currency]))
        for dealer_id, currency_id, amount in cursor:
            figures_ = result.get(dealer_id)
            if figures_ is None:
                continue
            with Transaction().set_context(date=end):
                figures_['discount'] += Currency.compute(
                    Currency(currency_id), Decimal(str(amount or 0)),
                    currency, round=False)
    for figures_ in result.values():
        revenue = figures_['revenue']
        figures_['cost'] = currency.round(figures_['cost'])
        figures_['discount'] = currency.round(figures_['discount'])
        figures_['expected_revenue'] = currency.round(
            figures_['previous_revenue'] * control_rate)
        figures_['incremental_revenue'] = (
            revenue - figures_['expected_revenue'])
        margin_rate = ((revenue - figures_['cost']) / revenue
            if revenue else Decimal(0))
        figures_['incremental_margin'] = currency.round(
            figures_['incremental_revenue'] * margin_rate)
    return result, control
