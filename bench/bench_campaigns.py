#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Benchmark 8: the live monitoring of a campaign with 1,000 participating
dealers over 1,000,000 sale lines against a hand-written SQL query of the
same figures, and its SQL statements for 100 and 1,000 participants.

trytond runs inside this process (bench/inprocess.py) on a copy of the demo
database, to which INSERT ... SELECT adds (untimed) the sales of the sales
report benchmark (bench/sales_data.py: 5,000 dealers, 20,000 products,
250,000 sales of 4 lines over 2 years).  A campaign is made through the ORM
(draft, then approved and run: its promotion and marketing campaign) over
the last 60 days and 30 more, with a 10% offer on a few hundred products
and a product category; its audience of 2,000 of the dealers and their
participations are inserted, 1,000 of them approved (with an approved
budget, one activity for one in 10), the others invited.  The figures
count the campaign's 60 days so far and the 60 days before.

- DMS: the monitoring as the web client reads it, in transactions of a
  user of the DMS group: Campaign.read of the campaign form's monitoring
  fields (revenue, growth, control group's growth, uplift, expected and
  incremental revenue and margin, discount, budget, spend, ROI,
  activities), then the per-dealer list of dms.campaign.monitor with the
  campaign's context: search of the first page of 1,000 rows in its order,
  search_count when the page is full, read of the list's fields of the
  first 100 rows (the web client reads a list's records in batches of its
  limit divided by the number of fields, at most 10);
- baseline: one hand-written SQL query over sale_line JOIN sale_sale of
  the campaign's products (its products and its category's) and the
  dealers of its audience, in the counted states and the two periods,
  grouped by dealer: the orders, revenue and quantity of the 60 days, the
  revenue of the 60 days before, and whether the dealer takes part; the
  participants' rows and the control group's totals (the audience's other
  dealers) are taken from its rows.

The two screens are measured each against the query (each is one request of the
web client, and the query gives the figures of both), and together for
information. The figures must be the same: every participant's row read and the
campaign's revenue, previous revenue, orders, growth, control group's growth,
uplift, expected and incremental revenue (a difference fails the benchmark).
Goal (PostgreSQL): each screen at most 2 times the baseline, median of the
rounds, both taking turns. The SQL statements of the DMS reading are counted as
bench_statements.py counts them (the smallest of 3 counts after a warm-up) with
1,000 approved participants and with 100 (the others invited): they must be the
same. On SQLite the benchmark runs with 50,000 lines, an audience of 400
dealers and 200 (then 20) participants, and its rows are for information."""
import datetime as dt
import math
import sys
from decimal import ROUND_HALF_EVEN, Decimal

from common import (
    Results, backend, median, ms, parser, setup_backend, spread, timed,
    title)
from sales_data import (
    LINES_PER_SALE, SIZES, STATES, add_data, max_id, new_id, number,
    sql, sql_log_off)

CAMPAIGN = {
    'postgresql': {
        'audience': 2_000, 'participants': 1_000, 'few': 100,
        'products': 400},
    'sqlite': {
        'audience': 400, 'participants': 200, 'few': 20, 'products': 40},
    }
# The campaign's days so far (the figures count them and as many before)
DAYS = 60
DAYS_LEFT = 30
GOAL = 2.0
ROUNDS = 7
COUNTS = 3
# The rows of a page of the web client (Sao.config.limit), and the rows
# whose fields it reads at once: Sao.config.limit / min(fields, 10) (the
# list's fields, rec_name, _timestamp, _write, _delete: 10 or more)
PAGE = 1000
BATCH = PAGE // 10
FORM_FIELDS = ['revenue', 'previous_revenue', 'revenue_growth',
    'order_count', 'control_growth', 'uplift', 'expected_revenue',
    'incremental_revenue', 'incremental_margin', 'discount_given',
    'approved_budget', 'spend', 'roi', 'activity_count', 'people_reached',
    'gifts']
LIST_FIELDS = ['dealer', 'number', 'quantity', 'revenue',
    'previous_revenue', 'revenue_growth', 'currency']
CENT = Decimal('0.01')


def main(argv=None):
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    setup_backend(args)
    from inprocess import Tryton
    results = Results(args, 'campaigns')
    size = SIZES[backend()]
    campaign = CAMPAIGN[backend()]
    title("Campaign monitoring, %s participants of %s dealers, over %s "
        "sale lines (in-process)" % (number(campaign['participants']),
            number(campaign['audience']),
            number(size['sales'] * LINES_PER_SALE)))
    if backend() != 'postgresql':
        print("   The goal is on PostgreSQL (--postgresql URI): on SQLite "
            "the figures are for information.", flush=True)
    tryton = Tryton().start()
    try:
        run(tryton, results, size, campaign, args.rounds or ROUNDS)
    finally:
        tryton.stop()
    results.save()


# Set-up (untimed)

def add_campaign(cursor, campaign_id, dealer, product, sizes, today, now):
    """The audience (its first dealer, the id dealer, is in it already),
    participations, activities and products of the campaign (products
    after the id product)"""
    column, value = new_id('dms_campaign-dms_dealer')
    cursor.execute(sql(
            'INSERT INTO "dms_campaign-dms_dealer" (%scampaign, dealer, '
            'create_uid, create_date) '
            'SELECT %s%%s, id, 0, %%s FROM dms_dealer WHERE id > %%s '
            'ORDER BY id LIMIT %d' % (
                column, value, sizes['audience'] - 1)),
        [campaign_id, now, dealer])
    # Every other dealer of the audience takes part
    column, value = new_id('dms_campaign_participation')
    cursor.execute(sql(
            'INSERT INTO dms_campaign_participation (%scampaign, dealer, '
            'allocation, requested_budget, approved_budget, state, '
            'create_uid, create_date) '
            'WITH a(dealer, n) AS (SELECT dealer, ROW_NUMBER() OVER '
            '(ORDER BY dealer) - 1 FROM "dms_campaign-dms_dealer" '
            'WHERE campaign = %%s) '
            'SELECT %s%%s, a.dealer, 100, '
            'CASE WHEN a.n %%%% 2 = 0 THEN 100 END, '
            'CASE WHEN a.n %%%% 2 = 0 THEN 100 END, '
            "CASE WHEN a.n %%%% 2 = 0 THEN 'approved' ELSE 'invited' END, "
            '0, %%s FROM a' % (column, value)),
        [campaign_id, campaign_id, now])
    column, value = new_id('dms_campaign_activity')
    cursor.execute(sql(
            'INSERT INTO dms_campaign_activity (%sparticipation, date, '
            'kind, description, participants, gifts, create_uid, '
            'create_date) '
            'SELECT %sid, %%s, %%s, %%s, 12, 3, 0, %%s '
            'FROM dms_campaign_participation '
            "WHERE campaign = %%s AND state = 'approved' "
            'AND id %%%% 10 = 0' % (column, value)),
        [today - dt.timedelta(days=7), 'event', 'Bench event', now,
            campaign_id])
    # A few hundred of the synthetic products, one in 50
    column, value = new_id('dms_campaign-product_product')
    cursor.execute(sql(
            'INSERT INTO "dms_campaign-product_product" (%scampaign, '
            'product, create_uid, create_date) '
            'SELECT %s%%s, id, 0, %%s FROM product_product '
            'WHERE id > %%s AND id %%%% 50 = 0 ORDER BY id LIMIT %d' % (
                column, value, sizes['products'])),
        [campaign_id, now, product])


def campaign_sql(campaign_id, company, digits, start, end, previous):
    "The baseline query and its parameters"
    pg = backend() == 'postgresql'
    amount = ('CAST(COALESCE(l.actual_quantity, l.quantity) AS NUMERIC) '
        '* l.unit_price' if pg
        else 'COALESCE(l.actual_quantity, l.quantity) * l.unit_price')
    quantity = 'COALESCE(l.actual_quantity, l.quantity)'
    states = ', '.join("'%s'" % s for s in STATES)
    current = 's.sale_date >= %s'
    query = (
        'WITH pa(dealer) AS (SELECT dealer FROM dms_campaign_participation '
        "WHERE campaign = %%s AND state = 'approved'), "
        'au(dealer) AS (SELECT dealer FROM "dms_campaign-dms_dealer" '
        'WHERE campaign = %%s), '
        'pr(product) AS (SELECT product FROM "dms_campaign-product_product" '
        'WHERE campaign = %%s UNION SELECT pp.id FROM product_product pp '
        'JOIN "product_template-product_category" tc '
        'ON tc.template = pp.template '
        'JOIN "dms_campaign-product_category" cc '
        'ON cc.category = tc.category WHERE cc.campaign = %%s) '
        'SELECT s.dealer, '
        'CASE WHEN s.dealer IN (SELECT dealer FROM pa) THEN 1 ELSE 0 END, '
        'COUNT(DISTINCT CASE WHEN %s THEN s.id END), '
        'ROUND(SUM(CASE WHEN %s THEN %s ELSE 0 END), %d), '
        'ROUND(SUM(CASE WHEN %s THEN 0 ELSE %s END), %d), '
        'SUM(CASE WHEN %s THEN %s ELSE 0 END) '
        'FROM sale_line l JOIN sale_sale s ON s.id = l.sale '
        'WHERE s.state IN (%s) AND s.company = %d '
        'AND s.sale_date >= %%s AND s.sale_date <= %%s '
        'AND l.product IN (SELECT product FROM pr) '
        'AND s.dealer IN (SELECT dealer FROM au) '
        'GROUP BY s.dealer' % (
            current, current, amount, digits, current, amount, digits,
            current, quantity, states, company))
    params = [campaign_id] * 4 + [start] * 4 + [previous, end]
    return query, params


def growth(current, previous):
    if not previous:
        return None
    return float((current - previous) / previous * 100)


def money(value):
    return Decimal(str(value or 0)).quantize(CENT)


def baseline_figures(rows):
    """The participants' rows by dealer and the campaign's figures from the
    rows of the baseline query"""
    dealers = {}
    control = [Decimal(0), Decimal(0)]
    for dealer, participant, orders, revenue, previous, quantity in rows:
        revenue, previous = money(revenue), money(previous)
        if participant:
            dealers[dealer] = (int(orders), revenue, previous,
                float(quantity or 0), growth(revenue, previous))
        else:
            control[0] += revenue
            control[1] += previous
    rate = control[0] / control[1] if control[1] else Decimal(1)
    revenue = sum((d[1] for d in dealers.values()), Decimal(0))
    previous = sum((d[2] for d in dealers.values()), Decimal(0))
    expected = sum(((d[2] * rate).quantize(CENT, rounding=ROUND_HALF_EVEN)
            for d in dealers.values()), Decimal(0))
    revenue_growth = growth(revenue, previous)
    control_growth = growth(*control)
    campaign = {
        'revenue': revenue,
        'previous_revenue': previous,
        'order_count': sum(d[0] for d in dealers.values()),
        'revenue_growth': revenue_growth,
        'control_growth': control_growth,
        'uplift': (revenue_growth - (control_growth or 0)
            if revenue_growth is not None else None),
        'expected_revenue': expected,
        'incremental_revenue': revenue - expected,
        }
    return dealers, campaign


def dms_figures(values, rows):
    "The same figures from the DMS's read"
    dealers = {r['dealer']: (r['number'] or 0, money(r['revenue']),
            money(r['previous_revenue']), float(r['quantity'] or 0),
            r['revenue_growth']) for r in rows}
    campaign = {k: values[k] for k in [
            'revenue', 'previous_revenue', 'order_count', 'revenue_growth',
            'control_growth', 'uplift', 'expected_revenue',
            'incremental_revenue']}
    for key in ['revenue', 'previous_revenue', 'expected_revenue',
            'incremental_revenue']:
        campaign[key] = money(campaign[key])
    return dealers, campaign


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return a == b


def check(expected, found, count):
    "Raise when the DMS's figures differ from the baseline's"
    (e_dealers, e_campaign), (f_dealers, f_campaign) = expected, found
    wrong = ['%s: SQL %s, DMS %s' % (k, e_campaign[k], f_campaign[k])
        for k in e_campaign if not same(e_campaign[k], f_campaign[k])]
    if count != len(e_dealers):
        wrong.append('%d rows in the list, %d participants with sales' % (
                count, len(e_dealers)))
    for dealer, row in f_dealers.items():
        if dealer not in e_dealers or not all(
                map(same, e_dealers[dealer], row)):
            wrong.append('dealer %s: SQL %s, DMS %s' % (
                    dealer, e_dealers.get(dealer), row))
    if wrong:
        raise RuntimeError("the DMS's figures differ from the SQL "
            "query's: %s" % '; '.join(wrong[:5]))


def run(tryton, results, size, sizes, rounds):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    database = tryton.database
    counter = tryton.counter
    pg = backend() == 'postgresql'

    def root(**context):
        return Transaction().start(database, 0, context=context)

    # Set-up (untimed, reported)
    with root() as transaction:
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        Location = pool.get('stock.location')
        Uom = pool.get('product.uom')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Category = pool.get('product.category')
        company, = Company.search([])
        digits = company.currency.digits
        today = Date.today()
        now = dt.datetime.now()
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        unit, = Uom.search([('symbol', '=', 'u')], limit=1)
        user, = User.create([{
                    'login': 'bench_campaigns', 'name': 'bench_campaigns',
                    'groups': [('add', [ModelData.get_id(
                                    'dms_dealer', 'group_dms_user')])],
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    }])
        # The category of the campaign: a category without children of
        # the synthetic products
        category = [c for c in Category.search(
                [('accounting', '=', False)], order=[('id', 'ASC')])
            if not c.childs][0]
        category_name = category.rec_name
        cursor = transaction.connection.cursor()
        dealer = max_id(cursor, 'dms_dealer')
        product = max_id(cursor, 'product_product')
        seconds, added = timed(add_data, cursor, size, company.id,
            warehouse.id, unit.id, today, now)
        cursor.execute(sql('SELECT MIN(id) FROM dms_dealer WHERE id > %s'),
            [dealer])
        dealer, = cursor.fetchone()
        transaction.commit()
    print("  data added in %.1f s: %s dealers, %s products, %s sales, "
        "%s lines" % (seconds, *(number(added[k])
                for k in ['dealers', 'products', 'sales', 'lines'])),
        flush=True)
    setup = {'insert': seconds}
    start = today - dt.timedelta(days=DAYS - 1)
    with root(company=company.id) as transaction, sql_log_off():
        Campaign = Pool().get('dms.campaign')
        begin = dt.datetime.now()
        campaign, = Campaign.create([{
                    'company': company.id,
                    'name': 'Bench campaign',
                    'kind': 'promotion',
                    'start_date': start,
                    'end_date': today + dt.timedelta(days=DAYS_LEFT),
                    'audience': 'dealers',
                    'dealers': [('add', [dealer])],
                    'budget': Decimal(sizes['audience'] * 100),
                    'discount': Decimal('0.1'),
                    'categories': [('add', [category.id])],
                    }])
        cursor = transaction.connection.cursor()
        add_campaign(cursor, campaign.id, dealer, product, sizes, today, now)
        # Proposed without inviting the audience: its participations are
        # there already
        Campaign.write([campaign], {'state': 'proposed'})
        Campaign.approve(Campaign.browse([campaign.id]))
        Campaign.run(Campaign.browse([campaign.id]))
        campaign_id = campaign.id
        state = Campaign(campaign_id).state
        transaction.commit()
        setup['campaign'] = (dt.datetime.now() - begin).total_seconds()
    if state != 'running':
        raise RuntimeError("the campaign is %s, not running" % state)
    with root() as transaction:
        cursor = transaction.connection.cursor()
        begin = dt.datetime.now()
        cursor.execute('ANALYZE')
        setup['analyze'] = (dt.datetime.now() - begin).total_seconds()
        cursor.execute(sql(
                'SELECT state, COUNT(*) FROM dms_campaign_participation '
                'WHERE campaign = %s GROUP BY state ORDER BY state'),
            [campaign_id])
        states = dict(cursor.fetchall())
        cursor.execute(sql(
                'SELECT COUNT(*) FROM "dms_campaign-product_product" '
                'WHERE campaign = %s'), [campaign_id])
        products, = cursor.fetchone()
        transaction.commit()
    print("  campaign %s made in %.1f s: %s participations (%s), %s "
        "products and category %s; ANALYZE %.1f s" % (
            campaign_id, setup['campaign'], number(sum(states.values())),
            ', '.join('%s %s' % (k, number(n)) for k, n in states.items()),
            number(products), category_name, setup['analyze']),
        flush=True)
    results.add(
        'Campaign monitoring set-up: INSERT ... SELECT of %s dealers, %s '
        'products, %s sales, %s lines; campaign of %s dealers' % (
            *(number(added[k])
                for k in ['dealers', 'products', 'sales', 'lines']),
            number(sizes['audience'])),
        '-', '%.1f s' % setup['insert'], None, '-', None,
        'campaign %.1f s, ANALYZE %.1f s' % (
            setup['campaign'], setup['analyze']))

    previous = start - dt.timedelta(days=DAYS)
    query, params = campaign_sql(
        campaign_id, company.id, digits, start, today, previous)
    user_id = user.id

    # The time of the form and of the list in each timed round
    parts = {'form': [], 'list': []}

    def dms():
        """The campaign's monitoring as the web client reads it: the form's
        fields, then the list's first page, its count when full and its
        fields; return (form values, count, rows)"""
        begin = dt.datetime.now()
        with Transaction().start(database, user_id,
                context={'company': company.id}, readonly=True):
            Campaign = Pool().get('dms.campaign')
            values, = Campaign.read([campaign_id], FORM_FIELDS)
        middle = dt.datetime.now()
        with Transaction().start(database, user_id, context={
                    'company': company.id,
                    'dms_campaign': campaign_id,
                    'dms_campaign_group': 'participants',
                    }, readonly=True):
            Monitor = Pool().get('dms.campaign.monitor')
            records = Monitor.search([], 0, PAGE)
            if len(records) == PAGE:
                count = Monitor.search_count([], 0, PAGE * 100)
            else:
                count = len(records)
            rows = Monitor.read(
                [r.id for r in records][:BATCH], LIST_FIELDS)
        parts['form'].append((middle - begin).total_seconds())
        parts['list'].append((dt.datetime.now() - middle).total_seconds())
        return values, count, rows

    def select():
        with Transaction().start(database, 0, readonly=True) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(sql(query), params)
            return baseline_figures(cursor.fetchall())

    # The statements of the DMS, with all the participants and with a few
    few = sizes['few']
    with root() as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(sql(
                'SELECT id FROM dms_campaign_participation '
                "WHERE campaign = %s AND state = 'approved' ORDER BY id"),
            [campaign_id])
        approved = [r[0] for r in cursor]
    statements = {}
    for participants in [len(approved), few]:
        with root() as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(sql(
                    "UPDATE dms_campaign_participation SET state = %s "
                    "WHERE campaign = %s AND id > %s AND id <= %s"),
                ['invited', campaign_id, approved[participants - 1],
                    approved[-1]])
            transaction.commit()
        with sql_log_off():
            expected = select()
            values, count, rows = dms()
            check(expected, dms_figures(values, rows), count)
        counts = []
        for _ in range(COUNTS):
            with counter.count():
                dms()
            counts.append(counter.total)
            kinds = dict(counter.kinds)
        statements[participants] = (min(counts), counts, kinds)
        print("  %s participants (%s with sales): statements %s (%s)" % (
                number(participants), number(len(expected[0])), counts,
                ', '.join('%s %d' % (k or "''", n)
                    for k, n in sorted(kinds.items()) if k not in {
                        'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT',
                        'RELEASE', 'PRAGMA'})), flush=True)
    with root() as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(sql(
                "UPDATE dms_campaign_participation SET state = 'approved' "
                "WHERE campaign = %s AND approved_budget IS NOT NULL"),
            [campaign_id])
        transaction.commit()

    # The timing
    times = {'dms': [], 'sql': []}
    parts['form'].clear()
    parts['list'].clear()
    with sql_log_off():
        expected = select()
        participants_with_sales = len(expected[0])
        for round_ in range(rounds + 1):
            paths = ['sql', 'dms'] if round_ % 2 else ['dms', 'sql']
            for path in paths:
                if path == 'dms':
                    seconds, (values, count, rows) = timed(dms)
                    check(expected, dms_figures(values, rows), count)
                    if not round_:
                        parts['form'].pop()
                        parts['list'].pop()
                else:
                    seconds, figures = timed(select)
                    if figures != expected:
                        raise RuntimeError("the SQL query's figures "
                            "changed between rounds")
                if round_:
                    times[path].append(seconds)
    base, dms_time = median(times['sql']), median(times['dms'])
    ratio = dms_time / base
    print("  monitoring of %s participants (%s with sales), %s lines: "
        "SQL %s (%s), DMS %s (%s), %.2fx" % (
            number(len(approved)), number(participants_with_sales),
            number(added['lines']), ms(base), spread(times['sql']),
            ms(dms_time), spread(times['dms']), ratio), flush=True)
    # Each screen against the query, which gives the figures of both
    read = min(BATCH, participants_with_sales)
    for part, text in [
            ('form', "the campaign form's %d monitoring fields" % len(
                    FORM_FIELDS)),
            ('list', "the per-dealer list: its page (%s rows), its count "
                "when full and the read of its first %d rows" % (
                    number(participants_with_sales), read)),
            ]:
        seconds = median(parts[part])
        print("  %s: %s (%s), %.2fx the SQL query" % (
                part, ms(seconds), spread(parts[part]), seconds / base),
            flush=True)
        results.add(
            'Campaign monitoring, the %s, %s participants of %s dealers, '
            '%s lines' % (part, number(len(approved)),
                number(sizes['audience']), number(added['lines'])),
            ms(base), ms(seconds), seconds / base,
            '<= %.0fx' % GOAL + ('' if pg else ' (on PostgreSQL)'),
            seconds / base <= GOAL if pg else None,
            'median of %d rounds, spread %s / %s; DMS: %s; SQL: one '
            'query, a row per dealer of the audience; same figures' % (
                rounds, spread(times['sql']), spread(parts[part]), text))
    results.add(
        'Campaign monitoring, the form then the list',
        ms(base), ms(dms_time), ratio, '-', None,
        'median of %d rounds (the two screens one after the other, each '
        'a request of its own, against the one query)' % rounds)
    many, some = statements[len(approved)][0], statements[few][0]
    results.add(
        'Campaign monitoring, SQL statements, %s vs %s participants' % (
            number(len(approved)), number(few)),
        '%d' % some, '%d' % many, many / some,
        '= 1.00x (independent of the participants)'
        + ('' if pg else ' (on PostgreSQL)'),
        many == some if pg else None,
        'smallest of %d counts: %s / %s' % (
            COUNTS, statements[few][1], statements[len(approved)][1]))


if __name__ == '__main__':
    sys.exit(main())
