# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The sales of the benchmarks that read sale lines (bench_reports.py,
bench_campaigns.py): INSERT ... SELECT of dealers with their parties (over
the demo's tiers and territories in turns), products (templates in the
demo's categories, with its accounting category) and sales of 4 lines over
the last 2 years: 96% in the states the reports count (confirmed,
processing, done), 2% in draft and 2% cancelled, which must not count; one
dealer in 20 has not ordered for 90 days.  On PostgreSQL 5,000 dealers,
20,000 products and 250,000 sales (1,000,000 lines); on SQLite 500, 2,000
and 12,500 (50,000 lines).

Also the SQL helpers of the in-process benchmarks: a statement in the
backend's paramstyle, the integers 1 to n, ids of INSERTs, the SQL log
switched off while timing."""
import datetime as dt
import logging
from contextlib import contextmanager

from common import backend

SIZES = {
    'postgresql': {'dealers': 5_000, 'products': 20_000, 'sales': 250_000},
    'sqlite': {'dealers': 500, 'products': 2_000, 'sales': 12_500},
    }
LINES_PER_SALE = 4
DAYS = 730
PREFIX = 'BRP'
STATES = ('confirmed', 'processing', 'done')
# The state of the synthetic sale i, by i % 50: 0 draft, 1 cancelled
# (not counted), 2-4 confirmed, 5-9 processing, the others done
STATE = ("CASE WHEN s.i %% 50 = 0 THEN 'draft' "
    "WHEN s.i %% 50 = 1 THEN 'cancelled' "
    "WHEN s.i %% 50 < 5 THEN 'confirmed' "
    "WHEN s.i %% 50 < 10 THEN 'processing' ELSE 'done' END")
# One dealer in 20 has no sale in the last 90 days
QUIET = 20
RECENT = 90


def number(value):
    return '{:,}'.format(value)


def sql(text):
    """A statement written for psycopg (%s parameters, %% for a percent
    sign) in the paramstyle of the backend"""
    if backend() == 'sqlite':
        return text.replace('%s', '?').replace('%%', '%')
    return text


def series(count):
    "The CTE s(i) of the integers 1 to count"
    if backend() == 'postgresql':
        return 's(i) AS (SELECT generate_series(1, %d))' % count
    return ('s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s '
        'WHERE i < %d)' % count)


def new_id(table):
    "The id column and value of an INSERT (PostgreSQL has no default)"
    if backend() == 'postgresql':
        return 'id, ', "nextval('%s_id_seq'), " % table
    return '', ''


def max_id(cursor, table):
    cursor.execute('SELECT MAX(id) FROM "%s"' % table)
    return cursor.fetchone()[0] or 0


@contextmanager
def sql_log_off():
    """No SQL log while timing: on PostgreSQL the log formats every
    statement with its parameters"""
    from inprocess import SQL_LOGGERS
    loggers = [logging.getLogger(n) for n in SQL_LOGGERS]
    levels = [l.level for l in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


# Set-up (untimed)

def add_data(cursor, size, company, warehouse, unit, today, now):
    """The dealers, products, sales and lines of the benchmark; return
    {table: rows added}"""
    dealers, products, sales = (
        size['dealers'], size['products'], size['sales'])
    added = {}

    # Dealers: a party each, tiers and territories in turns
    party = max_id(cursor, 'party_party')
    column, value = new_id('party_party')
    cursor.execute(sql(
            'INSERT INTO party_party (%sname, code, active, create_uid, '
            'create_date) WITH RECURSIVE %s '
            "SELECT %s'Bench report dealer ' || s.i, '%s-' || s.i, TRUE, "
            '0, %%s FROM s' % (column, series(dealers), value, PREFIX)),
        [now])
    dealer = max_id(cursor, 'dms_dealer')
    column, value = new_id('dms_dealer')
    cursor.execute(sql(
            'INSERT INTO dms_dealer (%scode, company, party, state, tier, '
            'territory, since_date, create_uid, create_date) '
            'WITH p(id, code, n) AS (SELECT id, code, ROW_NUMBER() OVER '
            '(ORDER BY id) - 1 FROM party_party WHERE id > %%s), '
            't(id, n) AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 '
            'FROM dms_dealer_tier), '
            'r(id, n) AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 '
            'FROM dms_territory), '
            'm(tiers, territories) AS (SELECT (SELECT COUNT(*) FROM t), '
            '(SELECT COUNT(*) FROM r)) '
            "SELECT %sp.code, %%s, p.id, 'active', t.id, r.id, %%s, 0, %%s "
            'FROM p JOIN m ON TRUE '
            'JOIN t ON t.n = p.n %%%% m.tiers '
            'JOIN r ON r.n = p.n %%%% m.territories' % (column, value)),
        [party, company, today - dt.timedelta(days=3 * 365), now])
    added['dealers'] = dealers

    # Products: a template each, in the demo's categories in turns
    template = max_id(cursor, 'product_template')
    column, value = new_id('product_template')
    cursor.execute(sql(
            'INSERT INTO product_template (%sname, code, type, '
            'default_uom, sale_uom, salable, consumable, active, '
            'dms_orderable, account_category, create_uid, create_date) '
            'WITH RECURSIVE %s '
            "SELECT %s'Bench report product ' || s.i, '%s-' || s.i, "
            "'goods', %%s, %%s, TRUE, FALSE, TRUE, TRUE, "
            '(SELECT MIN(account_category) FROM product_template), '
            '0, %%s FROM s' % (column, series(products), value, PREFIX)),
        [unit, unit, now])
    column, value = new_id('product_product')
    cursor.execute(sql(
            'INSERT INTO product_product (%stemplate, code, active, '
            'create_uid, create_date) '
            'SELECT %sid, code, TRUE, 0, %%s FROM product_template '
            'WHERE id > %%s' % (column, value)),
        [now, template])
    column, value = new_id('product_template-product_category')
    cursor.execute(sql(
            'INSERT INTO "product_template-product_category" (%stemplate, '
            'category, create_uid, create_date) '
            'WITH p(id, n) AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) '
            '- 1 FROM product_template WHERE id > %%s), '
            'c(id, n) AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 '
            'FROM product_category WHERE accounting = %%s), '
            'm(total) AS (SELECT COUNT(*) FROM c) '
            'SELECT %sp.id, c.id, 0, %%s FROM p JOIN m ON TRUE '
            'JOIN c ON c.n = p.n %%%% m.total' % (column, value)),
        [template, False, now])
    added['products'] = products

    # Sales: spread over the last DAYS days and the dealers
    sale = max_id(cursor, 'sale_sale')
    column, value = new_id('sale_sale')
    # Days ago: the quiet dealers' recent sales move 90 days back
    ago = ('CASE WHEN d.n %%%% %d = 0 AND (s.i * 7) %%%% %d < %d '
        'THEN (s.i * 7) %%%% %d + %d ELSE (s.i * 7) %%%% %d END' % (
            QUIET, DAYS, RECENT, DAYS, RECENT, DAYS))
    if backend() == 'postgresql':
        sale_date = 'CAST(%%s AS DATE) - (%s)' % ago
    else:
        sale_date = "DATE(%%s, '-' || (%s) || ' days')" % ago
    cursor.execute(sql(
            'INSERT INTO sale_sale (%scompany, currency, party, dealer, '
            'warehouse, state, dms_stage, sale_date, number, reference, '
            'invoice_method, invoice_state, shipment_method, '
            'shipment_state, create_uid, create_date) '
            'WITH RECURSIVE %s, '
            'd(id, party, company, n) AS (SELECT id, party, company, '
            'ROW_NUMBER() OVER (ORDER BY id) - 1 FROM dms_dealer '
            'WHERE id > %%s) '
            'SELECT %sd.company, c.currency, d.party, d.id, %%s, '
            '%s, '
            "CASE WHEN s.i %%%% 50 = 0 THEN NULL "
            "WHEN s.i %%%% 50 = 1 THEN 'cancelled' "
            "WHEN s.i %%%% 50 < 5 THEN 'confirmed' "
            "WHEN s.i %%%% 50 < 10 THEN 'in_production' "
            "ELSE 'delivered' END, "
            '%s, '
            "'%s-' || s.i, '%s-' || s.i, 'order', "
            "CASE WHEN s.i %%%% 50 < 10 THEN 'none' ELSE 'paid' END, "
            "'order', "
            "CASE WHEN s.i %%%% 50 < 10 THEN 'waiting' ELSE 'sent' END, "
            '0, %%s FROM s '
            'JOIN d ON d.n = s.i %%%% %d '
            'JOIN company_company c ON c.id = d.company' % (
                column, series(sales), value, STATE,
                sale_date, PREFIX, PREFIX, dealers)),
        [dealer, warehouse, today, now])
    added['sales'] = sales

    # Lines: LINES_PER_SALE products per sale, 1 to 12 units, some done
    # lines with another actual quantity, prices of 10.00 to 999.99
    product = max_id(cursor, 'product_product')
    column, value = new_id('sale_line')
    keys = ', '.join('(%d)' % k for k in range(LINES_PER_SALE))
    cursor.execute(sql(
            'INSERT INTO sale_line (%ssale, sequence, type, product, '
            'quantity, actual_quantity, unit, unit_price, description, '
            'create_uid, create_date) '
            'WITH k(k) AS (VALUES %s), '
            'o(id, state, i) AS (SELECT id, state, id - %%s FROM sale_sale '
            'WHERE id > %%s), '
            'p(id, n) AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 '
            'FROM product_product WHERE id > %%s) '
            "SELECT %so.id, k.k + 1, 'line', p.id, 1 + (o.i + k.k) %%%% 12, "
            "CASE WHEN o.state = 'done' AND (o.i + k.k) %%%% 10 = 0 "
            'THEN (o.i + k.k) %%%% 12 END, '
            '%%s, 10 + ((o.i * 13 + k.k * 101) %%%% 99000) / 100.0, '
            "'', 0, %%s FROM o CROSS JOIN k "
            'JOIN p ON p.n = (o.i * 37 + k.k * %d) %%%% %d' % (
                column, keys, value, products // LINES_PER_SALE, products)),
        [sale, sale, product - products, unit, now])
    added['lines'] = sales * LINES_PER_SALE
    return added
