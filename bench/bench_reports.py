#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Benchmark 7: the sales analysis on 1,000,000 sale lines against a
hand-written SQL GROUP BY of the same figures and against Tryton's own
sale reporting of the same lines.

trytond runs inside this process (bench/inprocess.py) on a copy of the demo
database, to which INSERT ... SELECT adds (untimed, bench/sales_data.py)
5,000 dealers with their parties (spread over the demo's tiers and
territories), 20,000 products (templates in the demo's categories) and
250,000 sales of 4 lines over the last 2 years: 96% in the states the
reports count (confirmed, processing, done), 2% in draft and 2% cancelled,
which must not count; one dealer in 20 has not ordered for 90 days
(dealers at risk).  The sales summary is then rebuilt (Summary.rebuild(),
timed for information) and the tables analysed.

Each report is read over the last 12 months of the company:

- DMS: the report model read as the web client reads it,
  Model.search_read([], order=..., fields_names=[...]) in a transaction of
  a user of the Sales group with the report's context (the summary);
- baseline A: one hand-written SQL query over sale_line JOIN sale_sale
  (counted states, company, dates) grouping the same figures: COUNT(DISTINCT
  sale), the revenue ROUND(SUM(COALESCE(actual_quantity, quantity) *
  unit_price), digits), the quantity in the products' default units, the
  previous period for the ranking, all rows fetched;
- baseline B: the same model with the context dms_summary=False, which
  aggregates the sale lines as Tryton's sale_reporting does.

The DMS figures must equal baseline A's (a difference fails the benchmark).
Goal (PostgreSQL): DMS at most 2 times baseline A, median of the rounds,
both taking turns in each round; the ratio to baseline B and the absolute
times are given for information.  On SQLite the benchmark runs with 50,000
lines and its rows are for information only."""
import datetime as dt
import math
import sys
from decimal import Decimal

from common import (
    Results, backend, median, ms, parser, setup_backend, spread, timed,
    title)
from sales_data import (
    LINES_PER_SALE, RECENT, SIZES, STATES, add_data, number, sql,
    sql_log_off)

GOAL = 2.0
ROUNDS = 7
# Baseline B aggregates every sale line at each query: fewer rounds, for
# information
TRYTON_ROUNDS = 3
# The rows of a page of the web client (Sao.config.limit)
PAGE = 1000


def main(argv=None):
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    setup_backend(args)
    from inprocess import Tryton
    results = Results(args, 'reports')
    size = SIZES[backend()]
    title("Sales analysis over %s sale lines, %s dealers, %s products "
        "(in-process)" % (number(size['sales'] * LINES_PER_SALE),
            number(size['dealers']), number(size['products'])))
    if backend() != 'postgresql':
        print("   The goal is on PostgreSQL (--postgresql URI): on SQLite "
            "the figures are for information.", flush=True)
    tryton = Tryton().start()
    try:
        run(tryton, results, size, args.rounds or ROUNDS)
    finally:
        tryton.stop()
    results.save()


# The reports: the DMS model read as a client, and the same figures by SQL

def money(value):
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal('0.01'))


def real(value):
    return None if value is None else float(value)


def integer(value):
    return None if value is None else int(value)


def day(value):
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


class Report:
    """A report: its model, context, order and fields, and the SQL of the
    same figures (key columns, then value columns in the order of values)"""

    def __init__(self, name, model, key, values, query, context=None,
            order=None, tryton=True):
        self.name, self.model, self.key = name, model, key
        # [(field, normalize)]
        self.values = values
        self.query = query
        self.context = context or {}
        self.order = order or [('revenue', 'DESC'), ('id', 'ASC')]
        # Whether baseline B (dms_summary=False) exists for the model
        self.tryton = tryton

    @property
    def fields(self):
        return list(self.key) + [f for f, _ in self.values]

    def normalize_dms(self, rows):
        return {
            tuple(day(r[k]) for k in self.key):
            tuple(n(r[f]) for f, n in self.values) for r in rows}

    def normalize_sql(self, rows):
        width = len(self.key)
        return {
            tuple(day(v) for v in r[:width]):
            tuple(n(v) for (_, n), v in zip(self.values, r[width:]))
            for r in rows}


def reports(company, digits, today):
    """The reports over the last 12 months of the company; their queries
    take their parameters from the dict q"""
    to_date = today
    from_date = today.replace(year=today.year - 1) + dt.timedelta(days=1)
    length = to_date - from_date + dt.timedelta(days=1)
    previous = from_date - length
    base = {'company': company, 'from_date': from_date, 'to_date': to_date}
    pg = backend() == 'postgresql'
    # The revenue and quantity of a line, as Tryton's reports and the
    # summary compute them (in the company currency: every sale is in it)
    amount = ('CAST(COALESCE(l.actual_quantity, l.quantity) AS NUMERIC) '
        '* l.unit_price' if pg
        else 'COALESCE(l.actual_quantity, l.quantity) * l.unit_price')
    quantity = ('COALESCE(l.actual_quantity, l.quantity) * u.factor '
        '/ du.factor')
    revenue = 'ROUND(SUM(%s), %d)' % (amount, digits)
    lines = ('sale_line l JOIN sale_sale s ON s.id = l.sale ')
    units = ('LEFT JOIN product_product pp ON pp.id = l.product '
        'LEFT JOIN product_template pt ON pt.id = pp.template '
        'LEFT JOIN product_uom u ON u.id = l.unit '
        'LEFT JOIN product_uom du ON du.id = pt.default_uom ')
    states = ', '.join("'%s'" % s for s in STATES)
    where = ('s.state IN (%s) AND s.company = %d '
        'AND s.sale_date >= %%s AND s.sale_date <= %%s ' % (states, company))
    window = [from_date, to_date]
    if pg:
        month = "CAST(DATE_TRUNC('month', s.sale_date) AS DATE)"
    else:
        month = "DATE(s.sale_date, 'start of month')"

    def growth(now, then):
        return ('CASE WHEN %s != 0 THEN CAST((%s - %s) * 100 / %s AS %s) '
            'END' % (then, now, then, then, 'FLOAT' if pg else 'REAL'))

    result = []
    result.append(Report(
            "dealers", 'sale.reporting.dealer', ['dealer'],
            [('number', integer), ('revenue', money)],
            ('SELECT s.dealer, COUNT(DISTINCT s.id), %s FROM %s '
                'WHERE %s AND s.dealer IS NOT NULL GROUP BY s.dealer '
                'ORDER BY 3 DESC, 1' % (revenue, lines, where), window),
            base))
    for column, label in [('tier', "tiers"), ('territory', "territories")]:
        result.append(Report(
                label, 'sale.reporting.%s' % column, [column],
                [('number', integer), ('revenue', money)],
                ('SELECT d.%s, COUNT(DISTINCT s.id), %s FROM %s '
                    'JOIN dms_dealer d ON d.id = s.dealer '
                    'WHERE %s AND d.%s IS NOT NULL GROUP BY d.%s '
                    'ORDER BY 3 DESC, 1' % (
                        column, revenue, lines, where, column, column),
                    window),
                base))
    # The product ranking: this period against the previous one
    current = 's.sale_date >= %s'
    now_revenue = 'ROUND(SUM(CASE WHEN %s THEN %s ELSE 0 END), %d)' % (
        current, amount, digits)
    then_revenue = 'ROUND(SUM(CASE WHEN %s THEN 0 ELSE %s END), %d)' % (
        current, amount, digits)
    now_quantity = 'SUM(CASE WHEN %s THEN %s ELSE 0 END)' % (
        current, quantity)
    then_quantity = 'SUM(CASE WHEN %s THEN 0 ELSE %s END)' % (
        current, quantity)
    result.append(Report(
            "product ranking", 'sale.reporting.product', ['product'],
            [('number', integer), ('revenue', money), ('quantity', real),
                ('previous_revenue', money), ('revenue_growth', real),
                ('previous_quantity', real), ('quantity_growth', real)],
            ('SELECT product, number, revenue, quantity, previous_revenue, '
                '%s, previous_quantity, %s FROM ('
                'SELECT l.product AS product, '
                'COUNT(DISTINCT CASE WHEN %s THEN s.id END) AS number, '
                '%s AS revenue, %s AS quantity, %s AS previous_revenue, '
                '%s AS previous_quantity FROM %s%s'
                'WHERE %s AND l.product IS NOT NULL GROUP BY l.product) r '
                'ORDER BY revenue DESC, product' % (
                    growth('revenue', 'previous_revenue'),
                    growth('quantity', 'previous_quantity'),
                    current, now_revenue, now_quantity, then_revenue,
                    then_quantity, lines, units, where),
                [from_date] * 5 + [previous, to_date]),
            dict(base, compare=True)))
    result.append(Report(
            "product categories", 'sale.reporting.product.category',
            ['category'],
            [('number', integer), ('revenue', money), ('quantity', real)],
            category_query(amount, digits, quantity, lines, where, window),
            base))
    result.append(Report(
            "dealers by month", 'sale.reporting.dealer.time_series',
            ['dealer', 'date'],
            [('number', integer), ('revenue', money)],
            ('SELECT s.dealer, %s, COUNT(DISTINCT s.id), %s FROM %s '
                'WHERE %s AND s.dealer IS NOT NULL GROUP BY s.dealer, 2 '
                'ORDER BY 2, 1' % (month, revenue, lines, where), window),
            dict(base, period='month'),
            order=[('date', 'ASC'), ('id', 'ASC')]))
    result.append(Report(
            "sales by month", 'sale.reporting.main.time_series', ['date'],
            [('number', integer), ('revenue', money)],
            ('SELECT %s, COUNT(DISTINCT s.id), %s FROM %s '
                'WHERE %s GROUP BY 1 ORDER BY 1' % (
                    month, revenue, lines, where), window),
            dict(base, period='month'),
            order=[('date', 'ASC')]))
    result.append(dealer_risk(company, digits, today, amount, lines, states))
    return result, from_date, to_date


def category_query(amount, digits, quantity, lines, where, window):
    """The product categories: Tryton's categories of a template are its
    categories and its accounting category"""
    joins = ('JOIN product_product pp ON pp.id = l.product '
        'JOIN product_template pt ON pt.id = pp.template '
        'LEFT JOIN product_uom u ON u.id = l.unit '
        'LEFT JOIN product_uom du ON du.id = pt.default_uom ')
    if backend() == 'postgresql':
        return ('SELECT tc.category, COUNT(DISTINCT s.id), '
            'ROUND(SUM(%s), %d), SUM(%s) '
            'FROM %s%s'
            'JOIN (SELECT template, category '
            'FROM "product_template-product_category" UNION ALL '
            'SELECT id, account_category FROM product_template '
            'WHERE account_category IS NOT NULL) tc '
            'ON tc.template = pp.template '
            'WHERE %s GROUP BY tc.category ORDER BY 3 DESC, 1' % (
                amount, digits, quantity, lines, joins, where), window)
    # SQLite scans the union for every line (minutes): the same rows as
    # the union of the lines joined with each of its parts
    return ('SELECT category, COUNT(DISTINCT sale), '
        'ROUND(SUM(amount), %d), SUM(quantity) FROM ('
        'SELECT tc.category AS category, s.id AS sale, %s AS amount, '
        '%s AS quantity FROM %s%s'
        'JOIN "product_template-product_category" tc '
        'ON tc.template = pp.template WHERE %s '
        'UNION ALL '
        'SELECT pt.account_category, s.id, %s, %s FROM %s%s'
        'WHERE %s AND pt.account_category IS NOT NULL) '
        'GROUP BY category ORDER BY 3 DESC, 1' % (
            digits, amount, quantity, lines, joins, where,
            amount, quantity, lines, joins, where), window * 2)


def dealer_risk(company, digits, today, amount, lines, states):
    "dms.reporting.dealer_risk and its figures by SQL"
    recent_from = today - dt.timedelta(days=RECENT - 1)
    history_to = recent_from - dt.timedelta(days=1)
    history_from = history_to - dt.timedelta(days=365 - 1)
    pg = backend() == 'postgresql'

    def window(name):
        return ('%s AS (SELECT s.dealer AS dealer, COUNT(DISTINCT s.id) '
            'AS number, ROUND(SUM(%s), %d) AS revenue FROM %s '
            "WHERE s.state IN (%s) AND s.company = %d "
            'AND s.sale_date >= %%s AND s.sale_date <= %%s '
            'AND s.dealer IS NOT NULL GROUP BY s.dealer)' % (
                name, amount, digits, lines, states, company))
    usual = 'ROUND(h.revenue * 90 / 365, 2)' if pg else (
        'ROUND(h.revenue * 90 / 365.0, 2)')
    recent = 'COALESCE(r.revenue, 0)'
    interval = 'CAST(365 / h.number AS INTEGER)'
    if pg:
        since = 'CAST(%s - l.date AS INTEGER)'
    else:
        since = 'CAST(JULIANDAY(%s) - JULIANDAY(l.date) AS INTEGER)'
    query = (
        'WITH %s, %s, '
        'l AS (SELECT s.dealer AS dealer, MAX(s.sale_date) AS date '
        'FROM sale_sale s WHERE s.state IN (%s) AND s.company = %d '
        'AND s.sale_date <= %%s '
        'AND EXISTS (SELECT 1 FROM sale_line x WHERE x.sale = s.id) '
        'GROUP BY s.dealer) '
        'SELECT h.dealer, h.number, %s, %s, COALESCE(r.number, 0), %s, '
        'CASE WHEN %s != 0 THEN CAST((%s - %s) * 100 / %s AS %s) END, '
        'l.date, %s '
        'FROM h LEFT JOIN r ON r.dealer = h.dealer '
        'LEFT JOIN l ON l.dealer = h.dealer '
        'WHERE h.number >= 4 AND (%s * 2 < %s OR %s > %s * 2) '
        'ORDER BY 7, 1' % (
            window('h'), window('r'), states, company,
            interval, usual, recent,
            usual, recent, usual, usual, 'FLOAT' if pg else 'REAL',
            since % '%s', recent, usual, since % '%s', interval))
    params = [history_from, history_to, recent_from, today, today, today,
        today]
    return Report(
        "dealers at risk", 'dms.reporting.dealer_risk', ['dealer'],
        [('usual_orders', integer), ('usual_interval', integer),
            ('usual_revenue', money), ('recent_orders', integer),
            ('recent_revenue', money), ('revenue_change', real),
            ('last_order', day), ('days_since', integer)],
        (query, params), {'company': company, 'dms_today': today},
        order=[('revenue_change', 'ASC'), ('id', 'ASC')], tryton=False)


def differences(expected, found):
    "Keys whose values differ (money exactly, floats nearly)"
    def same(a, b):
        if isinstance(a, float) or isinstance(b, float):
            if a is None or b is None:
                return a is b
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
        return a == b
    keys = expected.keys() | found.keys()
    return sorted((k for k in keys
            if k not in expected or k not in found
            or not all(map(same, expected[k], found[k]))),
        key=lambda k: tuple(str(v) for v in k))


def describe(report, expected, found, keys):
    return '; '.join('%s: SQL %s, DMS %s' % (
            k, expected.get(k), found.get(k)) for k in keys[:3])


def run(tryton, results, size, rounds):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    database = tryton.database

    def root():
        return Transaction().start(database, 0, context={})

    # Set-up (untimed, reported)
    with root() as transaction:
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        Location = pool.get('stock.location')
        Uom = pool.get('product.uom')
        User = pool.get('res.user')
        Group = pool.get('res.group')
        company, = Company.search([])
        digits = company.currency.digits
        today = Date.today()
        now = dt.datetime.now()
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        unit, = Uom.search([('symbol', '=', 'u')], limit=1)
        sales_group, = Group.search([('name', '=', 'Sales')])
        user, = User.create([{
                    'login': 'bench_reports', 'name': 'bench_reports',
                    'groups': [('add', [sales_group.id])],
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    }])
        cursor = transaction.connection.cursor()
        cursor.execute(sql(
                'SELECT COUNT(*) FROM sale_sale WHERE currency != %s'),
            [company.currency.id])
        if cursor.fetchone()[0]:
            raise RuntimeError("the demo has sales in another currency "
                "than the company's: baseline A ignores the rates")
        seconds, added = timed(add_data, cursor, size, company.id,
            warehouse.id, unit.id, today, now)
        transaction.commit()
    print("  data added in %.1f s: %s dealers, %s products, %s sales, "
        "%s lines" % (seconds, *(number(added[k])
                for k in ['dealers', 'products', 'sales', 'lines'])),
        flush=True)
    setup = {'insert': seconds}
    with root() as transaction, sql_log_off():
        Summary = Pool().get('dms.reporting.summary')
        seconds, rows = timed(Summary.rebuild)
        commit, _ = timed(transaction.commit)
        setup['rebuild'] = seconds + commit
    with root() as transaction:
        cursor = transaction.connection.cursor()
        start = dt.datetime.now()
        cursor.execute('ANALYZE')
        setup['analyze'] = (dt.datetime.now() - start).total_seconds()
        cursor.execute('SELECT COUNT(*) FROM sale_line')
        all_lines, = cursor.fetchone()
        cursor.execute("SELECT kind, COUNT(*) FROM dms_reporting_summary "
            "GROUP BY kind ORDER BY kind")
        kinds = cursor.fetchall()
        transaction.commit()
    print("  summary rebuilt in %.1f s: %s rows (%s) for %s sale lines; "
        "ANALYZE %.1f s" % (setup['rebuild'], number(rows),
            ', '.join('%s %s' % (k, number(n)) for k, n in kinds),
            number(all_lines), setup['analyze']), flush=True)
    results.add(
        'Sales reports set-up: INSERT ... SELECT of %s dealers, %s '
        'products, %s sales, %s lines' % tuple(number(added[k])
            for k in ['dealers', 'products', 'sales', 'lines']),
        '-', '%.1f s' % setup['insert'], None, '-', None)
    results.add(
        'Sales reports set-up: Summary.rebuild(), %s summary rows (%s) '
        'for %s sale lines' % (number(rows), ', '.join(
                '%s %s' % (k, number(n)) for k, n in kinds),
            number(all_lines)),
        '-', '%.1f s' % setup['rebuild'], None, '-', None,
        'with the commit; ANALYZE then %.1f s' % setup['analyze'])

    todo, from_date, to_date = reports(company.id, digits, today)
    print("  window %s to %s, company %s (%d digits)" % (
            from_date, to_date, company.id, digits), flush=True)
    user_id = user.id

    def read(report, summary=True):
        """The report as the web client reads it: the first page of PAGE
        rows in the report's order, their count when the page is full, the
        fields of the page; return (count, rows)"""
        context = dict(report.context, dms_summary=summary)
        with Transaction().start(database, user_id, context=context,
                readonly=True):
            Model = Pool().get(report.model)

            def client():
                records = Model.search([], 0, PAGE, report.order)
                if len(records) == PAGE:
                    count = Model.search_count([], 0, PAGE * 100)
                else:
                    count = len(records)
                return count, Model.read(
                    [r.id for r in records], list(report.fields))
            return timed(client)

    def complete(report):
        "Every row of the DMS report: its query (untimed)"
        context = dict(report.context, dms_summary=True)
        with Transaction().start(database, user_id, context=context,
                readonly=True) as transaction:
            Model = Pool().get(report.model)
            cursor = transaction.connection.cursor()
            cursor.execute(*Model.table_query())
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r)) for r in cursor]

    def select(report):
        with Transaction().start(database, 0, readonly=True) as transaction:
            cursor = transaction.connection.cursor()
            query, params = report.query

            def execute():
                cursor.execute(sql(query), params)
                return cursor.fetchall()
            return timed(execute)

    def check_page(report, expected, count, rows):
        "Keys of the rows of a page that differ from the SQL query's"
        if count != len(expected) or len(rows) != min(PAGE, len(expected)):
            return ['%d rows of %d' % (len(rows), count)]
        page = report.normalize_dms(rows)
        return differences({k: expected.get(k) for k in page}, page)

    pg = backend() == 'postgresql'
    with sql_log_off():
        for report in todo:
            times = {'dms': [], 'sql': [], 'tryton': []}
            # Every row of the report against the SQL query's (untimed)
            expected = report.normalize_sql(select(report)[1])
            if not expected:
                raise RuntimeError("%s: no rows" % report.name)
            found = report.normalize_dms(complete(report))
            keys = differences(expected, found)
            if keys:
                raise RuntimeError(
                    "%s: %d of %d rows differ between the report and the "
                    "SQL query: %s" % (report.name, len(keys), len(expected),
                        describe(report, expected, found, keys)))
            # The first round warms the caches
            for round_ in range(rounds + 1):
                paths = ['sql', 'dms'] if round_ % 2 else ['dms', 'sql']
                for path in paths:
                    if path == 'dms':
                        seconds, (count, rows) = read(report)
                        keys = check_page(report, expected, count, rows)
                        if keys:
                            raise RuntimeError("%s: the page read differs "
                                "from the SQL query: %s" % (report.name,
                                    describe(report, expected,
                                        report.normalize_dms(rows), keys)))
                    else:
                        seconds, rows = select(report)
                        if len(rows) != len(expected):
                            raise RuntimeError("%s: the SQL query gave %d "
                                "rows, %d before" % (
                                    report.name, len(rows), len(expected)))
                    if round_:
                        times[path].append(seconds)
            tryton_note = ''
            if report.tryton:
                for round_ in range(min(rounds, TRYTON_ROUNDS)):
                    seconds, (count, rows) = read(report, summary=False)
                    times['tryton'].append(seconds)
                    if not round_:
                        keys = check_page(report, expected, count, rows)
                        if keys:
                            tryton_note = ('; Tryton\'s figures differ: %s'
                                % describe(report, expected,
                                    report.normalize_dms(rows), keys))
            base, dms = median(times['sql']), median(times['dms'])
            ratio = dms / base
            line = "  %s (%s, %s rows): SQL %s (%s), DMS %s (%s)" % (
                report.name, report.model, number(len(expected)),
                ms(base), spread(times['sql']), ms(dms),
                spread(times['dms']))
            tryton_ratio = ''
            if times['tryton']:
                tryton = median(times['tryton'])
                line += ", Tryton %s (%s)" % (ms(tryton),
                    spread(times['tryton']))
                tryton_ratio = ('; Tryton\'s sale_reporting on the lines '
                    '%s (median of %d, %s): DMS %.2fx of it, %.1f times '
                    'faster' % (ms(tryton), len(times['tryton']),
                        spread(times['tryton']), dms / tryton, tryton / dms))
            print(line, flush=True)
            results.add(
                'Sales report %s (%s), %s lines, %s rows' % (
                    report.name, report.model,
                    number(added['lines']), number(len(expected))),
                ms(base), ms(dms), ratio,
                '<= %.0fx' % GOAL + ('' if pg else ' (on PostgreSQL)'),
                ratio <= GOAL if pg else None,
                'median of %d rounds, spread %s / %s; DMS: the web '
                "client's page of %s rows%s; SQL: every row; same figures%s%s"
                % (rounds, spread(times['sql']), spread(times['dms']),
                    number(min(PAGE, len(expected))),
                    ' and their count' if len(expected) >= PAGE else '',
                    tryton_ratio, tryton_note))
            if times['tryton']:
                results.add(
                    'Sales report %s: DMS vs Tryton\'s sale_reporting on '
                    'the lines (dms_summary=False)' % report.name,
                    ms(tryton), ms(dms), dms / tryton, '-', None,
                    'Tryton: median of %d, %s; DMS %.1f times faster%s' % (
                        len(times['tryton']), spread(times['tryton']),
                        tryton / dms, tryton_note))


if __name__ == '__main__':
    sys.exit(main())
