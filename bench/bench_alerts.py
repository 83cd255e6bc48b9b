#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Benchmark 5: the alert scan over 100,000 open orders against one plain SQL
query selecting the same late orders.

trytond runs inside this process (bench/inprocess.py) on a copy of the demo
database, to which 100,000 open dealer orders are added with one INSERT ...
SELECT (untimed): 2% with an ETA after their promised date and 1% past
their promised date (late), 1% stalled in their stage for 60 days, 0.5%
waiting for stock, the others on time.  Then, in transactions of the
scheduled job (user 0 and the cron's context, as ir.cron runs it):

- baseline: one plain SQL query selecting the late orders (dealer set,
  stage open, promised date set and ETA after it or passed) and fetching
  their rows;
- DMS: dms.order.alert.scan() when the alerts are already raised (nothing
  new to raise or close), what the hourly job does most of the time.

Goal (PostgreSQL): the scan takes at most 3 times the plain query, median
of the rounds.  The first scan, which raises the alerts (their timeline
events, the staff notifications, the dealers' e-mails queued), is given
for information.  The number of open 'late' alerts must equal the number
of rows of the plain query.  On SQLite the benchmark runs with 20,000
orders and its rows are for information only."""
import datetime as dt
import sys

from common import (
    Results, backend, median, ms, parser, setup_backend, spread, timed,
    title)
from sales_data import number, series, sql, sql_log_off

ORDERS = {'postgresql': 100_000, 'sqlite': 20_000}
GOAL = 3.0
ROUNDS = 15
OPEN_STAGES = ['received', 'confirmed', 'in_production', 'ready', 'shipped']
# What the scheduled job runs in (trytond/ir/cron.py): the root user and
# the cron's context; the scan is written for it
CRON_CONTEXT = {'_skip_warnings': True, '_cron': 'dms.order.alert|scan'}
# Per block of 100 orders (i % 100): late with the ETA after the promised
# date, late past the promised date, stalled; one order in 200 waits for
# stock (i % 200)
ETA_LATE = (0, 1)
PAST_PROMISED = 2
STALLED = 3
UNALLOCATED = 4
LATE_SHARE = len(ETA_LATE) + 1
# The records the first scan creates besides the alerts
CREATED = ['dms_order_event', 'res_notification', 'ir_queue']


def main(argv=None):
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    setup_backend(args)
    from inprocess import Tryton
    results = Results(args, 'alerts')
    orders = ORDERS[backend()]
    title("Alert scan over %s open orders (in-process, cron transaction)"
        % number(orders))
    if backend() != 'postgresql':
        print("   The goal is on PostgreSQL (--postgresql URI): on SQLite "
            "the figures are for information, with %s orders."
            % number(orders), flush=True)
    tryton = Tryton().start()
    try:
        run(tryton, results, orders, args.rounds or ROUNDS)
    finally:
        tryton.stop()
    results.save()


def new_id(table):
    "The id column's expression of an INSERT (PostgreSQL has no default)"
    if backend() == 'postgresql':
        return ["id"], ["nextval('%s_id_seq')" % table]
    return [], []


def insert_orders(cursor, count, today, now):
    """count open orders of the active dealers, with one INSERT ... SELECT;
    the blocks of 100 orders take turns among the stages and the dealers"""
    id_column, id_value = new_id('sale_sale')
    columns = id_column + [
        'company', 'currency', 'party', 'dealer', 'state', 'dms_stage',
        'dms_stage_date', 'promised_date', 'eta', 'dms_unallocated',
        'sale_date', 'number', 'reference', 'invoice_method',
        'invoice_state', 'shipment_method', 'shipment_state', 'create_uid',
        'create_date']
    stage = 'CASE (s.i / 100) %% 5 ' + ' '.join(
        "WHEN %d THEN '%s'" % (n, s) for n, s in enumerate(OPEN_STAGES)
        ) + ' END'
    values = id_value + [
        'd.company', 'c.currency', 'd.party', 'd.id',
        "CASE WHEN (s.i / 100) %% 5 < 2 THEN 'confirmed' "
        "ELSE 'processing' END",
        stage,
        'CASE WHEN s.i %%%% 100 = %d THEN %%s ELSE %%s END' % STALLED,
        'CASE WHEN s.i %%%% 100 = %d THEN %%s ELSE %%s END' % PAST_PROMISED,
        'CASE WHEN s.i %%%% 100 IN (%s) THEN %%s '
        'WHEN s.i %%%% 100 = %d THEN NULL ELSE %%s END' % (
            ', '.join(map(str, ETA_LATE)), PAST_PROMISED),
        'CASE WHEN s.i %%%% 200 = %d THEN %%s ELSE %%s END' % UNALLOCATED,
        '%s', "'BA' || s.i", "'BENCH-ALERT-' || s.i",
        "'order'", "'none'", "'order'", "'waiting'", '0', '%s']
    promised = today + dt.timedelta(days=20)
    params = [
        now - dt.timedelta(days=60), now - dt.timedelta(hours=1),
        today - dt.timedelta(days=10), promised,
        promised + dt.timedelta(days=5), promised - dt.timedelta(days=2),
        True, False,
        today - dt.timedelta(days=7), now]
    cursor.execute(sql(
            'INSERT INTO sale_sale (%s) '
            'WITH RECURSIVE %s, '
            'd(id, party, company, n) AS (SELECT id, party, company, '
            "ROW_NUMBER() OVER (ORDER BY id) - 1 FROM dms_dealer "
            "WHERE state = 'active'), "
            'k(total) AS (SELECT COUNT(*) FROM d) '
            'SELECT %s FROM s '
            'JOIN k ON TRUE '
            'JOIN d ON d.n = (s.i + s.i / 100) %%%% k.total '
            'JOIN company_company c ON c.id = d.company' % (
                ', '.join(columns), series(count), ', '.join(values))),
        params)


# The baseline: what an SQL report of the late orders would run
PLAIN = (
    'SELECT id, dealer, dms_stage FROM sale_sale '
    'WHERE dealer IS NOT NULL AND dms_stage IN (%s) '
    'AND promised_date IS NOT NULL '
    'AND (eta > promised_date OR promised_date < %%s)' % ', '.join(
        "'%s'" % s for s in OPEN_STAGES))


def plain(cursor, today):
    cursor.execute(sql(PLAIN), [today])
    return cursor.fetchall()


def count_rows(cursor, table, where='TRUE', params=()):
    cursor.execute(sql('SELECT COUNT(*) FROM %s WHERE %s' % (table, where)),
        list(params))
    return cursor.fetchone()[0]


def run(tryton, results, orders, rounds):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    database = tryton.database

    def cron():
        return Transaction().start(database, 0, context=CRON_CONTEXT)

    # Set-up (untimed): the open orders
    with cron() as transaction:
        Date = Pool().get('ir.date')
        today = Date.today()
        now = dt.datetime.now()
        cursor = transaction.connection.cursor()
        seconds, _ = timed(insert_orders, cursor, orders, today, now)
        if backend() == 'postgresql':
            # As autovacuum does after such an insert
            cursor.execute('ANALYZE sale_sale')
        open_orders = count_rows(cursor, 'sale_sale',
            "dealer IS NOT NULL AND dms_stage IN (%s)" % ', '.join(
                "'%s'" % s for s in OPEN_STAGES))
        expected = len(plain(cursor, today))
        transaction.commit()
    print("  %s orders inserted in %.1f s: %s open dealer orders, %s late "
        "(%s of the inserted ones)" % (
            number(orders), seconds, number(open_orders), number(expected),
            number(orders * LATE_SHARE // 100)), flush=True)

    # The first scan raises the alerts (information)
    with cron() as transaction, sql_log_off():
        Alert = Pool().get('dms.order.alert')
        cursor = transaction.connection.cursor()
        before = {t: count_rows(cursor, t) for t in CREATED}
        try:
            first, (new, closed) = timed(Alert.scan)
        except Exception as exception:
            if (backend() == 'sqlite' and (
                        isinstance(exception, RecursionError)
                        or 'parser stack overflow' in str(exception))):
                raise RuntimeError("the first scan failed on SQLite: "
                    "there Tryton checks the unique open alert per cause "
                    "in Python, with one nested condition per alert "
                    "created at once, and SQLite's parser refuses more "
                    "than about 80; Alert.scan must create its alerts by "
                    "slices") from exception
            raise
        commit, _ = timed(transaction.commit)
        raised = len(new)
    with cron() as transaction:
        cursor = transaction.connection.cursor()
        created = {t: count_rows(cursor, t) - n for t, n in before.items()}
        cursor.execute("SELECT sale FROM dms_order_alert "
            "WHERE kind = 'late' AND state = 'open'")
        late = {r[0] for r in cursor}
        late_orders = {r[0] for r in plain(cursor, today)}
        kinds = dict.fromkeys(['late', 'stalled', 'unallocated',
                'exception'], 0)
        cursor.execute("SELECT kind, COUNT(*) FROM dms_order_alert "
            "WHERE state = 'open' GROUP BY kind")
        kinds.update(cursor.fetchall())
        if backend() == 'postgresql':
            cursor.execute('ANALYZE dms_order_alert')
            cursor.execute('ANALYZE dms_order_event')
        transaction.commit()
    print("  first scan: %.2f s + commit %.2f s: %s alerts raised (open "
        "after it: %s), %s timeline events, %s notifications, %s e-mail "
        "tasks queued" % (
            first, commit, number(raised),
            ', '.join('%s %s' % (number(n), k) for k, n in kinds.items()),
            *(number(created[t]) for t in CREATED)), flush=True)
    if len(late) != expected or late != late_orders:
        raise RuntimeError("%d open late alerts but %d late orders by the "
            "plain query (%d in common)" % (
                len(late), expected, len(late & late_orders)))
    if closed:
        raise RuntimeError("the first scan closed %d alerts" % len(closed))

    # Steady state: nothing new to raise, nothing to close
    counter = tryton.counter
    with cron() as transaction, counter.count():
        Alert = Pool().get('dms.order.alert')
        new, closed = Alert.scan()
    statements = counter.total
    if new or closed:
        raise RuntimeError("the steady scan raised %d and closed %d alerts"
            % (len(new), len(closed)))
    times = {'plain': [], 'scan': []}
    with sql_log_off():
        for round_ in range(rounds + 1):
            paths = ['plain', 'scan'] if round_ % 2 else ['scan', 'plain']
            for path in paths:
                # A transaction of its own, as each run of the job
                with cron() as transaction:
                    if path == 'plain':
                        cursor = transaction.connection.cursor()
                        seconds, rows = timed(plain, cursor, today)
                        if len(rows) != expected:
                            raise RuntimeError("plain query: %d rows"
                                % len(rows))
                    else:
                        Alert = Pool().get('dms.order.alert')
                        seconds, (new, closed) = timed(Alert.scan)
                        if new or closed:
                            raise RuntimeError("steady scan changed alerts")
                if round_:  # the first round warms the caches
                    times[path].append(seconds)
    base, scan = median(times['plain']), median(times['scan'])
    print("  plain query of the late orders: %s (%s), %s rows" % (
            ms(base), spread(times['plain']), number(expected)))
    print("  steady scan: %s (%s), %d statements" % (
            ms(scan), spread(times['scan']), statements), flush=True)

    ratio = scan / base
    pg = backend() == 'postgresql'
    results.add(
        'Alert scan, steady state, %s open orders (%s late)' % (
            number(orders), number(expected)),
        ms(base), ms(scan), ratio,
        '<= %.0fx' % GOAL + ('' if pg else ' (on PostgreSQL)'),
        ratio <= GOAL if pg else None,
        'median of %d rounds, spread %s / %s; %d statements' % (
            rounds, spread(times['plain']), spread(times['scan']),
            statements))
    results.add(
        'Alert scan, first scan raising %s alerts, %s open orders' % (
            number(raised), number(orders)),
        '-', '%.2f s' % (first + commit), None, '-', None,
        'with the commit, %.1f ms an alert; %s events, %s notifications, '
        '%s e-mail tasks' % (
            (first + commit) / max(raised, 1) * 1000,
            *(number(created[t]) for t in CREATED)))


if __name__ == '__main__':
    sys.exit(main())
