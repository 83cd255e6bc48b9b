# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql import Null
from sql.aggregate import Count, Sum

from trytond import backend
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def get_credit_amount(cls, parties, name):
        """The amount the party owes (account_credit_limit) plus its open
        orders, as sale_credit_limit extends it: what the party form shows
        and what dealer orders are checked against (Sale.dms_check)

        Open orders are the quotations, the confirmed orders and those in
        process whose invoices are not paid yet, at their total amount.  It
        costs a few queries however many open orders there are: the
        database sums the amounts stored on the orders (confirmed and
        later, and the dealer orders quoted by the DMS) and returns the
        lines of the others, whose amounts are computed as
        Sale.total_amount does (the rare orders with taxes through it)."""
        pool = Pool()
        Currency = pool.get('currency.currency')
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        LineTax = pool.get('sale.line-account.tax')
        amounts = super().get_credit_amount(parties, name)
        if not parties:
            return amounts
        by_id = {p.id: p for p in parties}
        for party in parties:
            amounts[party.id] = amounts.get(party.id) or Decimal(0)
        domain = [
            ('party', 'in', list(by_id)),
            ['OR',
                ('state', 'in', ['quotation', 'confirmed']),
                [('state', '=', 'processing'),
                    ('invoice_state', 'in', ['none', 'pending'])],
                ],
            ]
        company_id = Transaction().context.get('company')
        if company_id is not None:
            domain.append(('company', '=', company_id))
        open_sales = Sale.search(domain, order=[], query=True)
        sale = Sale.__table__()
        line = Line.__table__()
        line_tax = LineTax.__table__()
        cursor = Transaction().connection.cursor()
        # Per party and currency, converted to the party's currency at the
        # end
        totals = defaultdict(Decimal)

        def decimal(value):
            # SQLite gives sums as floats
            if not isinstance(value, Decimal):
                value = Decimal(str(value or 0))
            return value

        cursor.execute(*sale.select(
                sale.party, sale.currency, Sum(sale.total_amount_cache),
                where=sale.id.in_(open_sales)
                & (sale.total_amount_cache != Null),
                group_by=[sale.party, sale.currency]))
        for party_id, currency_id, amount in cursor:
            totals[party_id, currency_id] += decimal(amount)

        computed = sale.id.in_(open_sales) & (sale.total_amount_cache == Null)
        taxed = line.join(line_tax, condition=line_tax.line == line.id
            ).select(line.sale)
        cursor.execute(*sale.select(sale.id,
                where=computed & sale.id.in_(taxed)))
        with_taxes = [s for s, in cursor]
        # A quantity and price is rounded once for all the lines that have
        # it (orders repeat their lines)
        cursor.execute(*line.join(sale, condition=line.sale == sale.id
                ).select(sale.party, sale.currency, line.quantity,
                line.unit_price, Count(line.id),
                where=computed & (line.type == 'line')
                & ~sale.id.in_(taxed),
                group_by=[sale.party, sale.currency, line.quantity,
                    line.unit_price]))
        rows = cursor.fetchall()
        currencies = {c.id: c for c in Currency.browse(
                list({c for _, c in totals} | {r[1] for r in rows}))}
        for party_id, currency_id, quantity, unit_price, count in rows:
            # As SaleLine.on_change_with_amount
            totals[party_id, currency_id] += currencies[currency_id].round(
                Decimal(str(quantity or 0)) * decimal(unit_price)) * count
        for sub_sales in grouped_slice(with_taxes, backend.MAX_QUERY_PARAMS):
            for order in Sale.browse(sub_sales):
                currencies.setdefault(order.currency.id, order.currency)
                totals[order.party.id, order.currency.id] += (
                    order.total_amount)
        for (party_id, currency_id), amount in totals.items():
            currency = currencies[currency_id]
            party = by_id[party_id]
            if party.currency and party.currency != currency:
                amount = Currency.compute(
                    currency, amount, party.currency, round=False)
                currency = party.currency
            amounts[party_id] += currency.round(amount)
        return amounts
