#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Benchmark 6: replenishment suggestions for 5,000 dealers, with as many
SQL statements as for 500.

trytond runs inside this process (bench/inprocess.py) on a copy of the demo
database, to which synthetic dealers and their order history are added with
INSERT ... SELECT (untimed): 500 active dealers, then 4,500 more.  Each one
has 12 sales, one every 60 days over the last 2 years (the last one 20 days
ago), with lines of 3 products among 6 orderable ones:

- one in every sale but the last: due (last ordered 80 days ago, every 60
  days), so suggested;
- one in every sale: not due yet (last ordered 20 days ago);
- one in 2 sales only: not regular enough.

dms.order.suggestion.compute() runs as the scheduled job runs it (user 0,
the cron's context, all the active dealers) and its SQL statements are
counted from Tryton's SQL log, as bench_statements.py counts them (the
smallest of 3 counts after a warm-up).  Goal: the same count for 5,000
dealers as for 500.  The time of each size and the time per dealer are
given for information.  Each synthetic dealer must get exactly its due
product (11 orders, every 60 days), and the demo dealers their suggestions
of before."""
import datetime as dt
import sys

from common import (
    Results, backend, median, ms, parser, setup_backend, spread, timed,
    title)
from sales_data import (
    max_id, new_id, number, series, sql, sql_log_off)

SIZES = [500, 5000]
ROUNDS = 5
COUNTS = 3
SALES = 12
INTERVAL = 60
LAST = 20
PRODUCTS = 6
# A dealer's 3 products are the 6 products from its id on (modulo 6): the
# due one, the regular one not due yet, the rare one; the sales (index k,
# 0 the last one) that have the rare one
DUE, REGULAR, RARE = 0, 1, 2
RARE_SALES = (3, 7)
CRON_CONTEXT = {
    '_skip_warnings': True, '_cron': 'dms.order.suggestion|compute_all'}
PREFIX = 'BSG'


def main(argv=None):
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    setup_backend(args)
    from inprocess import Tryton
    results = Results(args, 'suggestions')
    title("Replenishment suggestions of %s and %s dealers (in-process, "
        "cron transaction)" % tuple(number(s) for s in SIZES))
    tryton = Tryton().start()
    try:
        run(tryton, results, args.rounds or ROUNDS)
    finally:
        tryton.stop()
    results.save()


def sale_dates(today):
    "The dates of the k-th last sale of every synthetic dealer"
    return [today - dt.timedelta(days=LAST + INTERVAL * k)
        for k in range(SALES)]


def add_dealers(cursor, first, count, company, products, today, now):
    """count active dealers numbered from first, each with its own party,
    a tier, and its history; products: [(id, unit id)]"""
    party = max_id(cursor, 'party_party')
    column, value = new_id('party_party')
    cursor.execute(sql(
            'INSERT INTO party_party (%sname, code, active, create_uid, '
            'create_date) WITH RECURSIVE %s '
            "SELECT %s'Bench dealer ' || (s.i + %d), "
            "'%s-' || (s.i + %d), TRUE, 0, %%s FROM s" % (
                column, series(count), value, first, PREFIX, first)),
        [now])
    dealer = max_id(cursor, 'dms_dealer')
    column, value = new_id('dms_dealer')
    cursor.execute(sql(
            'INSERT INTO dms_dealer (%scode, company, party, state, tier, '
            'since_date, create_uid, create_date) '
            'WITH t(id, n) AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) '
            '- 1 FROM dms_dealer_tier), m(total) AS (SELECT COUNT(*) FROM t) '
            "SELECT %s'%s' || SUBSTR(p.code, %d), %%s, p.id, 'active', t.id, "
            '%%s, 0, %%s FROM party_party p JOIN m ON TRUE '
            'JOIN t ON t.n = p.id %%%% m.total '
            "WHERE p.id > %%s AND p.code LIKE '%s-%%%%'" % (
                column, value, PREFIX, len(PREFIX) + 2, PREFIX)),
        [company, today - dt.timedelta(days=3 * 365), now, party])

    # The sales: SALES per new dealer, one every INTERVAL days
    dates = sale_dates(today)
    column, value = new_id('sale_sale')
    cursor.execute(sql(
            'INSERT INTO sale_sale (%scompany, currency, party, dealer, '
            'state, dms_stage, sale_date, number, reference, '
            'invoice_method, invoice_state, shipment_method, '
            'shipment_state, create_uid, create_date) '
            'WITH k(n, sale_date) AS (VALUES %s) '
            "SELECT %sd.company, c.currency, d.party, d.id, "
            "CASE WHEN k.n = 0 THEN 'confirmed' ELSE 'done' END, "
            "CASE WHEN k.n = 0 THEN 'confirmed' ELSE 'delivered' END, "
            "k.sale_date, '%s' || d.id || '-' || k.n, "
            "'%s' || d.id || '-' || k.n, 'order', "
            "CASE WHEN k.n = 0 THEN 'none' ELSE 'paid' END, 'order', "
            "CASE WHEN k.n = 0 THEN 'waiting' ELSE 'sent' END, 0, %%s "
            'FROM dms_dealer d CROSS JOIN k '
            'JOIN company_company c ON c.id = d.company '
            'WHERE d.id > %%s' % (
                column, ', '.join('(%d, %%s)' % k for k in range(SALES)),
                value, PREFIX, PREFIX)),
        dates + [now, dealer])

    # Their lines: each dealer its 3 products among the 6, by its id
    column, value = new_id('sale_line')
    choice = ', '.join('(%d, %d, %d)' % (n, p, u)
        for n, (p, u) in enumerate(products))
    for offset, quantity, where, params in [
            (DUE, 10, 's.sale_date < %s', [dates[0]]),
            (REGULAR, 4, 'TRUE', []),
            (RARE, 1, 's.sale_date IN (%s)' % ', '.join(
                    '%s' for _ in RARE_SALES),
                [dates[k] for k in RARE_SALES]),
            ]:
        cursor.execute(sql(
                'INSERT INTO sale_line (%ssale, sequence, type, product, '
                'quantity, unit, unit_price, description, create_uid, '
                'create_date) '
                'WITH p(n, product, unit) AS (VALUES %s) '
                "SELECT %ss.id, %d, 'line', p.product, %d, p.unit, 1, '', "
                '0, %%s FROM sale_sale s '
                'JOIN p ON p.n = (s.dealer + %d) %%%% %d '
                'WHERE s.dealer > %%s AND %s' % (
                    column, choice, value, offset + 1, quantity, offset,
                    len(products), where)),
            [now, dealer] + params)
    if backend() == 'postgresql':
        # As autovacuum does after such inserts
        for table in ['party_party', 'dms_dealer', 'sale_sale',
                'sale_line']:
            cursor.execute('ANALYZE %s' % table)
    return dealer


def run(tryton, results, rounds):
    from inprocess import CONTROL
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    database = tryton.database
    counter = tryton.counter

    def cron():
        return Transaction().start(database, 0, context=CRON_CONTEXT)

    def compute():
        with cron():
            return Pool().get('dms.order.suggestion').compute()

    def suggestions(cursor):
        cursor.execute('SELECT dealer, product, orders, interval_days '
            'FROM dms_order_suggestion')
        return {(d, p): (o, i) for d, p, o, i in cursor}

    with cron() as transaction:
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        Product = pool.get('product.product')
        company, = Company.search([])
        today = Date.today()
        now = dt.datetime.now()
        found = Product.search([
                ('salable', '=', True),
                ('template.dms_orderable', '=', True),
                ('template.account_category', '!=', None),
                ('template.dms_tiers', '=', None),
                ('template.dms_min_quantity', '=', None),
                ('template.dms_quantity_multiple', '=', None),
                ], limit=PRODUCTS, order=[('id', 'ASC')])
        if len(found) < PRODUCTS:
            raise RuntimeError("only %d products for every tier"
                % len(found))
        products = [(p.id, p.sale_uom.id) for p in found]
    # The suggestions of the demo dealers, which the synthetic ones leave
    # as they are
    compute()
    with cron() as transaction:
        demo = suggestions(transaction.connection.cursor())

    figures = {}
    dealers = 0
    for size in SIZES:
        with cron() as transaction:
            cursor = transaction.connection.cursor()
            seconds, _ = timed(add_dealers, cursor, dealers + 1,
                size - dealers, company.id, products, today, now)
            cursor.execute(sql(
                    "SELECT COUNT(*) FROM sale_line l "
                    "JOIN sale_sale s ON s.id = l.sale "
                    "WHERE s.reference LIKE '%s%%%%'" % PREFIX), [])
            lines, = cursor.fetchone()
            transaction.commit()
        dealers = size
        print("  %s dealers: history of %s sales and %s lines (%.1f s to "
            "insert)" % (number(size), number(size * SALES), number(lines),
                seconds), flush=True)

        compute()  # warm-up
        counts = []
        for _ in range(COUNTS):
            with counter.count():
                compute()
            counts.append(counter.total)
            kinds = dict(counter.kinds)
        times = []
        with sql_log_off():
            for _ in range(rounds):
                seconds, created = timed(compute)
                times.append(seconds)

        # Each synthetic dealer gets its due product, and only it
        with cron() as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(sql("SELECT id FROM dms_dealer "
                    "WHERE code LIKE '%s%%%%' ORDER BY id" % PREFIX), [])
            synthetic = [r[0] for r in cursor]
            found = suggestions(cursor)
        expected = dict(demo)
        expected.update({
                (d, products[(d + DUE) % PRODUCTS][0]): (
                    SALES - 1, INTERVAL) for d in synthetic})
        if len(synthetic) != size or created != len(expected):
            raise RuntimeError("%d synthetic dealers, %d suggestions "
                "computed, %d expected" % (
                    len(synthetic), created, len(expected)))
        if found != expected:
            wrong = set(found.items()) ^ set(expected.items())
            raise RuntimeError("%d suggestions differ from the expected "
                "ones, e.g. %s" % (len(wrong), sorted(wrong)[:5]))
        figures[size] = (min(counts), median(times), times)
        print("  %s dealers: %s suggestions (%s of the demo dealers), "
            "statements %s (%s), %s (%s)" % (
                number(size), number(created), number(len(demo)), counts,
                ', '.join('%s %d' % (k or "''", n)
                    for k, n in sorted(kinds.items()) if k not in CONTROL),
                ms(median(times)), spread(times)), flush=True)

    (small, large) = SIZES
    count_small, time_small, times_small = figures[small]
    count_large, time_large, times_large = figures[large]
    results.add(
        'Suggestions, SQL statements, %s vs %s dealers' % (
            number(large), number(small)),
        '%d' % count_small, '%d' % count_large, count_large / count_small,
        '= 1.00x (independent of the dealers)',
        count_large == count_small,
        'smallest of %d counts' % COUNTS)
    results.add(
        'Suggestions, time, %s vs %s dealers' % (
            number(large), number(small)),
        ms(time_small), ms(time_large), time_large / time_small, '-', None,
        'median of %d rounds, spread %s / %s' % (
            rounds, spread(times_small), spread(times_large)))
    results.add(
        'Suggestions, time per dealer, %s dealers' % number(large),
        '-', '%.3f ms' % (time_large / large * 1000), None, '-', None,
        '%s history lines' % number(large * (
                2 * SALES - 1 + len(RARE_SALES))))


if __name__ == '__main__':
    sys.exit(main())
