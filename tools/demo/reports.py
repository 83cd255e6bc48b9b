"""The demo data of dms_reports: fifteen months of order history

The sales reports and dashboards need a past to show: every active dealer
of the demo (D0001...D0020) orders from about fifteen months ago to a week
ago, in its own rhythm, so that

- the seasons show: air conditioners and refrigerators peak in spring and
  summer (most in the hot south), water heaters in winter (most in the
  north), kitchen appliances before the Spring Festival and washing
  machines at the 618 and Double 11 sales;
- some products are stars (STARS), some slow (SLOW), one grows (the heat
  pump water heater) and one fades (the window air conditioner); the two
  models launched by the demo's bulletin have no history;
- the higher tiers order more often and more; the provinces differ
  (Guangdong and Zhejiang lead, Sichuan follows);
- some dealers grow (GROWTH, in line with the tier changes of dealer.py),
  one declines, and three are at risk (AT_RISK): they ordered regularly for
  a year, then much less or nothing; the others are not (their last three
  months bring at least three quarters of their usual revenue, as the
  factory dashboard counts it);
- each dealer orders mostly its own assortment of products: the
  replenishment suggestions find what it orders regularly;
- the same month of last year has data, for the comparisons.

The orders that orders.py gives the dealers in the last three months take
the place of the history orders near their dates (but the small regular
orders of D0001 and D0005, on other products than those of this history).
D0001 and D0005 order only products in stock.

The orders older than four weeks are done (delivered), a few cancelled;
the newer ones are processing (in production) or confirmed.  D0001 and
D0005, whose open orders the portal demo shows, get only done orders.
Lines are priced by the dealer's price list (its tier's prices); numbers
come from Tryton's sale sequence, and the timeline of each order is dated
from its sale date.

Like the generated sales of orders.py, the orders are created as drafts
in batches and put in their state in the same transaction without the
workflow: the old history has no stock moves, shipments nor invoices, and
the open ones neither (the confirmed ones are kept few and small, on
products with stock: the quantities the portal can promise stay
positive).  The replenishment suggestions are computed again at the end,
with this history.

Runs after orders.fill (the products, prices and the orders the portal
demo shows) and communication.fill (the launched products)."""
import datetime as dt
import math
import random
import sys
from collections import Counter, defaultdict
from decimal import Decimal

from trytond.pool import Pool

from .common import SEED, batch_size, progress, transaction
from .communication import BULLETINS
from .dealer import DEALERS
from .orders import HISTORY, HISTORY_EXCLUDED, demo_skus

# From about fifteen months ago to a week ago
HISTORY_START_DAYS = 457
HISTORY_END_DAYS = 7
# The dashboard's dealers at risk order much less in the last days than in
# the year before
RECENT_DAYS = 90
# The orders of the last four weeks are still open: processing, the two
# last weeks confirmed
OPEN_DAYS = 28
CONFIRMED_DAYS = 14
# Orders per call at most (fewer on SQLite, see common.BATCH_SIZES)
BATCH = 100
# The stock available to promise of the products D0001 and D0005 order
IN_STOCK = 20
# Orders cancelled by the dealer, among the older ones
CANCELLED_RATIO = 0.05
# The reference the dealers gave: PO-<dealer>-<number>
REFERENCE = 'PO-%s-%04d'
# Per tier: orders a month, lines per order, scale of the quantities
TIERS = {
    'PLATINUM': (3.5, (3, 6), 1.6),
    'GOLD': (2.5, (2, 5), 1.25),
    'SILVER': (1.6, (2, 4), 1.0),
    'BRONZE': (1.0, (1, 3), 1.0),
    }
# The size of the market of each province
PROVINCES = {
    'CN-GD': 1.25, 'CN-ZJ': 1.15, 'CN-SH': 1.1, 'CN-JS': 1.0,
    'CN-BJ': 0.95, 'CN-SC': 0.8,
    }
# Where summers are hot (more air conditioners) and winters cold (more
# water heaters)
HOT = {'CN-GD', 'CN-ZJ', 'CN-SH'}
COLD = {'CN-BJ', 'CN-JS'}
# Per category (SKU prefix): how much the dealers order of it, the usual
# quantity of a line and the season (January to December: the categories
# are chosen so much more often, with a bit more on each line)
CATEGORIES = {
    'AC': (1.3, 8, [.5, .55, .8, 1.2, 1.6, 1.9, 1.8, 1.3, .85, .6, .5, .45]),
    'RF': (1.0, 6, [.8, .7, .9, 1.0, 1.2, 1.35, 1.4, 1.25, 1.0, .95, 1.1,
            .9]),
    'WM': (1.0, 6, [1.0, .8, .9, .95, 1.0, 1.3, 1.0, .9, 1.0, 1.05, 1.4,
            1.1]),
    'WH': (0.9, 6, [1.5, 1.3, 1.0, .8, .6, .5, .5, .6, .9, 1.2, 1.5, 1.7]),
    'KA': (0.8, 8, [1.4, .8, .9, 1.0, 1.0, 1.1, .9, .9, 1.1, 1.3, 1.1,
            1.2]),
    'SP': (0.8, 25, [.9, .9, 1.0, 1.0, 1.1, 1.2, 1.2, 1.1, 1.0, .9, .9,
            .9]),
    }
# Each dealer has its assortment of so many products, most of its lines
# are of them (the others of any product)
ASSORTMENT = 15
ASSORTMENT_RATIO = 0.85
# Best and worst sellers
STARS = ['AC-1003', 'RF-2002', 'WM-3003', 'WH-4001', 'KA-5001', 'SP-6004']
SLOW = ['AC-1009', 'RF-2009', 'WM-3010', 'WH-4008']
# Products whose sales change over the history: weight at its start and
# at its end
TRENDS = {
    'WH-4007': (0.3, 3.0),
    'AC-1008': (2.0, 0.2),
    }
# The yearly change of a dealer's orders; the others change by -15% to
# +15%.  D0010 and D0017 moved up a tier, D0013 down (dealer.TIER_CHANGES).
GROWTH = {
    'D0010': 0.5, 'D0017': 0.7, 'D0014': 0.35, 'D0020': 0.3, 'D0004': 0.2,
    'D0013': -0.4,
    }
# The dealers at risk: from so many days ago, they order at this ratio of
# their rhythm (the orders of orders.py come on top)
AT_RISK = {
    'D0008': (80, 0.0),
    'D0012': (100, 0.2),
    'D0018': (120, 0.0),
    }


def fill(demo):
    "The order history of the active demo dealers"
    pool = Pool(demo.database)
    Sale = pool.get('sale.sale')
    with transaction(demo.database, demo.admin_id, **demo.context):
        if Sale.search([('reference', 'like', 'PO-D%')], limit=1):
            return
        rng = random.Random(SEED)
        today = dt.date.today()
        dealers, products, prices, available = read_demo(pool)
        plans = plan_orders(rng, dealers, products, prices, available, today)
        bar = progress("Order history", len(plans))
        sales = create_orders(pool, demo.company_id, plans, bar)
        pool.get('dms.order.suggestion').compute()
        bar.close()
    states = Counter(p['state'] for p in plans)
    print("Order history: %s orders (%s), %s lines, %s to %s" % (
            len(sales), ', '.join('%s %s' % (n, s)
                for s, n in sorted(states.items())),
            sum(len(p['lines']) for p in plans),
            plans[0]['date'], plans[-1]['date']), file=sys.stderr)


def read_demo(pool):
    """The active demo dealers with what their orders need, the products
    they order with their category, the prices of each dealer and the
    quantities the portal can promise"""
    Dealer = pool.get('dms.dealer')
    Product = pool.get('product.product')
    Sale = pool.get('sale.sale')
    Location = pool.get('stock.location')
    cities = {f'D{i:04d}': d[0] for i, d in enumerate(DEALERS, 1)}
    records = Dealer.search([
            ('code', 'in', list(cities)),
            ('state', '=', 'active'),
            ], order=[('code', 'ASC')])
    launched = {c for b in BULLETINS if b['kind'] == 'launch'
        for c in b['products']}
    products = Product.search([
            ('code', 'in', demo_skus()),
            ('code', 'not in', HISTORY_EXCLUDED + sorted(launched)),
            ], order=[('code', 'ASC')])
    # The products of the regular history of orders.py stay as they are:
    # its replenishment suggestions
    regular = defaultdict(set)
    for sale in Sale.search([('reference', 'like', 'HIST-D%')]):
        for line in sale.lines:
            regular[sale.dealer.code].add(line.product.id)
    # (date, amount) of the orders the reports count already
    ordered = defaultdict(list)
    for sale in Sale.search_read([
                ('dealer', 'in', [r.id for r in records]),
                ('state', 'in', ['confirmed', 'processing', 'done']),
                ], fields_names=['dealer', 'sale_date', 'untaxed_amount']):
        ordered[sale['dealer']].append(
            (sale['sale_date'], sale['untaxed_amount']))
    warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
    available = Product.dms_available_quantities(products, warehouse)
    # D0001 and D0005 order products in stock: the portal demo and the
    # tests order again what they ordered last
    in_stock = {p for p, q in available.items() if q >= IN_STOCK}
    dealers = []
    prices, by_price_list = {}, {}
    for record in records:
        # The addresses, payment term and price list of the web client
        sale = Sale(**Sale.default_get(list(Sale._fields),
                with_rec_name=False))
        sale.party = record.party
        sale.on_change_party()
        dealers.append({
                'id': record.id,
                'code': record.code,
                'party': record.party.id,
                'tier': record.tier.code,
                'province': cities[record.code][:5],
                'company': sale.company.id,
                'currency': sale.currency.id,
                'warehouse': sale.warehouse.id,
                'invoice_address': sale.invoice_address.id,
                'shipment_address': sale.shipment_address.id,
                'payment_term': (
                    sale.payment_term.id if sale.payment_term else None),
                'price_list': sale.price_list.id if sale.price_list else None,
                'excluded': regular.get(record.code, set()) | (
                    {p.id for p in products} - in_stock
                    if record.code in HISTORY else set()),
                'orders': ordered[record.id],
                })
        # The prices of a tier are those of its price list
        price_list = dealers[-1]['price_list']
        if price_list not in by_price_list:
            by_price_list[price_list] = Product.dms_sale_prices(
                products, record)
        prices[record.id] = by_price_list[price_list]
    products = [{
            'id': p.id,
            'code': p.code,
            'category': p.code[:2],
            'unit': p.sale_uom.id,
            } for p in products]
    return dealers, products, prices, available


def plan_orders(rng, dealers, products, prices, available, today):
    """The orders to create, oldest first: {dealer, date, state, lines:
    [(product, quantity, unit price)]}"""
    start = today - dt.timedelta(days=HISTORY_START_DAYS)
    end = today - dt.timedelta(days=HISTORY_END_DAYS)
    span = (end - start).days
    by_category = defaultdict(list)
    for product in products:
        by_category[product['category']].append(product)
    # What the confirmed orders may take of the stock left to promise
    left = {p: max(q, 0) * 0.05 for p, q in available.items()}
    plans = []
    for dealer in dealers:
        rate, (fewest, most), scale = TIERS[dealer['tier']]
        province = dealer['province']
        growth = GROWTH.get(dealer['code'], rng.uniform(-0.15, 0.15))
        # What the dealer sells most: each one its own mix
        mix = {c: weight * rng.uniform(0.4, 1.6)
            for c, (weight, _, _) in CATEGORIES.items()}
        risk_days, risk_ratio = AT_RISK.get(dealer['code'], (-1, 1))
        dealer['assortment'] = assortment(rng, dealer, products, mix)
        interval = 30 / rate

        def order(date):
            "The plan of an order of the dealer on date, or None"
            t = (date - start).days / span
            seasons = {c: season(c, province, date.month) for c in mix}
            lines = order_lines(rng, dealer, by_category, mix, seasons, t,
                rng.randint(fewest, most),
                scale * PROVINCES[province])
            state = order_state(rng, dealer, (today - date).days)
            if state == 'confirmed':
                # Few and small: the portal still promises what it did
                lines = [(p, min(q, math.floor(left[p['id']])))
                    for p, q in lines[:2]]
                lines = [(p, q) for p, q in lines if q >= 1]
                for product, quantity in lines:
                    left[product['id']] -= quantity
            if lines:
                return {
                    'dealer': dealer,
                    'date': date,
                    'state': state,
                    'lines': [(p, q, prices[dealer['id']][p['id']])
                        for p, q in lines],
                    }

        orders = []
        date = start + dt.timedelta(days=rng.randint(0, round(interval)))
        while date <= end:
            t = (date - start).days / span
            ratio = risk_ratio if (today - date).days <= risk_days else 1
            if not ratio:
                break
            activity = (1 + growth) ** t * ratio * math.sqrt(
                sum(mix[c] * season(c, province, date.month) for c in mix)
                / sum(mix.values()))
            # The orders of orders.py (the last three months) take the
            # place of those of the history; the small regular orders of
            # D0001 and D0005 come on top
            if dealer['code'] in HISTORY or not any(
                    abs((d - date).days) < interval / 2
                    for d, _ in dealer['orders']):
                orders.append(order(date))
            date += dt.timedelta(days=max(3, round(
                        interval / activity * rng.uniform(0.7, 1.3))))
        orders = [o for o in orders if o]
        # The dealers not at risk are not taken for it: the last three
        # months bring at least three quarters of their usual revenue (of
        # the year before, as the dashboard counts it)
        while dealer['code'] not in AT_RISK:
            usual, recent = usual_and_recent(dealer, orders, today)
            if recent >= Decimal('0.75') * usual:
                break
            orders.append(order(today - dt.timedelta(
                        days=rng.randint(HISTORY_END_DAYS, RECENT_DAYS - 1))))
            orders = [o for o in orders if o]
        plans.extend(orders)
    plans.sort(key=lambda p: (p['date'], p['dealer']['code']))
    return plans


def usual_and_recent(dealer, orders, today):
    """The revenue of the dealer's year before the last three months, over
    three months, and that of the last three months, with its other
    orders"""
    recent_from = today - dt.timedelta(days=RECENT_DAYS - 1)
    usual_from = recent_from - dt.timedelta(days=365)
    amounts = list(dealer['orders']) + [
        (o['date'], sum(q * price for _, q, price in o['lines']))
        for o in orders if o['state'] != 'cancelled']
    usual = sum(a for d, a in amounts if usual_from <= d < recent_from)
    recent = sum(a for d, a in amounts if recent_from <= d <= today)
    return usual * RECENT_DAYS / 365, recent


def season(category, province, month):
    "The demand of the category in the month against the year's average"
    factor = CATEGORIES[category][2][month - 1]
    if (category == 'AC' and province in HOT) or (
            category == 'WH' and province in COLD):
        factor = 1 + (factor - 1) * 1.3
    return factor


def order_lines(rng, dealer, by_category, mix, seasons, t, count, scale):
    "[(product, quantity)] of an order of count lines at time t (0 to 1)"
    lines = {}
    categories = list(mix)
    weights = [mix[c] * seasons[c] for c in categories]
    for _ in range(count):
        category, = rng.choices(categories, weights)
        candidates = [p for p in by_category[category]
            if p['id'] not in dealer['excluded']]
        usual = [p for p in candidates if p['id'] in dealer['assortment']]
        if usual and rng.random() < ASSORTMENT_RATIO:
            candidates = usual
        if not candidates:
            continue
        product, = rng.choices(candidates,
            [popularity(p['code'], t) for p in candidates])
        if product['id'] in lines:
            continue
        quantity = CATEGORIES[category][1] * scale * math.sqrt(
            seasons[category]) * rng.uniform(0.5, 1.5)
        lines[product['id']] = (product, max(1, round(quantity)))
    return list(lines.values())


def assortment(rng, dealer, products, mix):
    "The ids of the products the dealer orders again and again"
    candidates = [p for p in products if p['id'] not in dealer['excluded']]
    weights = [mix[p['category']] * max(popularity(p['code'], 0),
            popularity(p['code'], 1)) for p in candidates]
    chosen = set()
    while len(chosen) < min(ASSORTMENT, len(candidates)):
        product, = rng.choices(candidates, weights)
        chosen.add(product['id'])
    return chosen


def popularity(code, t):
    "The weight of the product among those of its category at time t"
    if code in TRENDS:
        first, last = TRENDS[code]
        return first + (last - first) * t
    if code in STARS:
        return 4
    if code in SLOW:
        return 0.15
    return 1


def order_state(rng, dealer, ago):
    if ago > OPEN_DAYS or dealer['code'] in HISTORY:
        if ago > OPEN_DAYS and rng.random() < CANCELLED_RATIO:
            return 'cancelled'
        return 'done'
    return 'confirmed' if ago <= CONFIRMED_DAYS else 'processing'


# The stage of the orders of each state and their timelines: (stage, days
# after the sale date) of each event, the last one at the stage's date
STAGES = {
    'done': 'delivered',
    'cancelled': 'cancelled',
    'processing': 'in_production',
    'confirmed': 'confirmed',
    }
TIMELINES = {
    'done': [('received', 0), ('confirmed', 1), ('shipped', None),
        ('delivered', None)],
    'cancelled': [('received', 0), ('cancelled', 2)],
    'processing': [('received', 0), ('confirmed', 1), ('in_production', 3)],
    'confirmed': [('received', 0), ('confirmed', 1)],
    }
STATES = {
    # state: (invoice state, shipment state)
    'done': ('paid', 'sent'),
    'cancelled': ('none', 'none'),
    'processing': ('pending', 'waiting'),
    'confirmed': ('none', 'none'),
    }


def create_orders(pool, company_id, plans, bar):
    """Create the planned orders as drafts in batches, put them in their
    state and date their timelines"""
    Sale = pool.get('sale.sale')
    Event = pool.get('dms.order.event')
    Config = pool.get('sale.configuration')
    rng = random.Random(SEED)
    now = dt.datetime.now().replace(second=0, microsecond=0)
    sequence = Config(1).get_multivalue('sale_sequence', company=company_id)
    numbers = sequence.get_many(len(plans))
    counts = Counter()
    values, timelines = [], []
    for plan, number in zip(plans, numbers):
        dealer, date, state = plan['dealer'], plan['date'], plan['state']
        counts[dealer['code']] += 1
        promised = date + dt.timedelta(days=rng.randint(7, 12))
        events = timeline(rng, state, date, promised, now)
        if state in {'processing', 'confirmed'}:
            # Made to order: promised in four to six weeks
            promised = date + dt.timedelta(days=rng.randint(30, 42))
            eta = promised
            # The stage since today: no stalled order
            stage_date = now
        else:
            eta = events[-1][1].date() if state == 'done' else None
            stage_date = events[-1][1]
        amount = sum((Decimal(str(q)) * price for _, q, price
                in plan['lines']), Decimal(0)).quantize(Decimal('0.01'))
        values.append({
                'company': dealer['company'],
                'number': number,
                'reference': REFERENCE % (
                    dealer['code'], counts[dealer['code']]),
                'party': dealer['party'],
                'dealer': dealer['id'],
                'invoice_address': dealer['invoice_address'],
                'shipment_address': dealer['shipment_address'],
                'payment_term': dealer['payment_term'],
                'price_list': dealer['price_list'],
                'warehouse': dealer['warehouse'],
                'currency': dealer['currency'],
                'sale_date': date,
                'quotation_date': date,
                'promised_date': promised,
                'eta': eta,
                'dms_stage': STAGES[state],
                'dms_stage_date': stage_date,
                'dms_unallocated': False,
                'untaxed_amount_cache': amount,
                'tax_amount_cache': Decimal(0),
                'total_amount_cache': amount,
                'lines': [('create', [{
                                'type': 'line',
                                'product': product['id'],
                                'unit': product['unit'],
                                'quantity': float(quantity),
                                'unit_price': price,
                                } for product, quantity, price
                            in plan['lines']])],
                })
        timelines.append(events)

    # In batches, each step: Tryton's checks of a call cost more than
    # linearly with its records
    sales = []
    size = min(batch_size(), BATCH)
    for start in range(0, len(values), size):
        batch = Sale.create(values[start:start + size])
        by_state = defaultdict(list)
        for sale, plan in zip(batch, plans[start:start + size]):
            by_state[plan['state']].append(sale)
        Sale.write(*[x for state, records in by_state.items()
                for x in (records, {
                        'state': state,
                        'invoice_state': STATES[state][0],
                        'shipment_state': STATES[state][1],
                        })])
        # The timelines: the stage event of the creation replaced by the
        # events of the order's days
        Event.delete(Event.search([('sale', 'in', [s.id for s in batch])]))
        events = []
        for sale, steps in zip(batch, timelines[start:start + size]):
            for stage, date in steps:
                event = Sale.dms_event(sale, 'stage', stage=stage)
                event.date = date
                events.append(event)
        Event.save(events)
        sales.extend(batch)
        bar.update(len(batch))
    return sales


def timeline(rng, state, date, promised, now):
    """[(stage, datetime)] of an order of the state from its sale date:
    shipped in two to five days and delivered two days later (some after
    the promised date)"""
    start = dt.datetime.combine(date, dt.time(9)) + dt.timedelta(
        minutes=rng.randint(0, 480))
    events = []
    shipped = None
    for stage, days in TIMELINES[state]:
        if stage == 'shipped':
            late = rng.random() < 0.1
            days = (promised - date).days - 2 + (
                rng.randint(1, 4) if late else -rng.randint(0, 4))
            shipped = days
        elif stage == 'delivered':
            days = shipped + 2
        moment = min(start + dt.timedelta(days=days, minutes=17 * len(events)),
            now - dt.timedelta(hours=1))
        events.append((stage, moment))
    return events
