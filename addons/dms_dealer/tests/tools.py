# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"Helpers shared by the DMS tests (pool level, inside a transaction)"
from decimal import Decimal

from trytond.pool import Pool


def create_price_list(company, name, factor):
    pool = Pool()
    PriceList = pool.get('product.price_list')
    price_list, = PriceList.create([{
                'name': name,
                'company': company.id,
                'price': 'list_price',
                'lines': [('create', [{
                                'formula': 'unit_price * Decimal(%r)' % str(
                                    factor),
                                }])],
                }])
    return price_list


def create_tier(company, code, price_list=True, **values):
    pool = Pool()
    Tier = pool.get('dms.dealer.tier')
    if price_list is True:
        price_list = create_price_list(company, "%s prices" % code, '0.9')
    tier, = Tier.create([{
                'name': code.title(),
                'code': code,
                'price_list': price_list.id if price_list else None,
                'supply_priority': values.pop('supply_priority', 10),
                'marketing_fund_rate': Decimal('0.02'),
                **values,
                }])
    return tier


def create_dealer(company, code, tier=None, **values):
    pool = Pool()
    Dealer = pool.get('dms.dealer')
    Party = pool.get('party.party')
    party, = Party.create([{
                'name': "Dealer %s" % code,
                'addresses': [('create', [{'city': "City %s" % code}])],
                }])
    dealer, = Dealer.create([{
                'company': company.id,
                'party': party.id,
                'code': code,
                'tier': tier.id if tier else None,
                **values,
                }])
    return dealer
