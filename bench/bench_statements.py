#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Benchmark 2: SQL statements per order, DMS against plain, 1 to 50 lines.

Each request runs through trytond's WSGI application inside this process
(bench/inprocess.py) on a copy of the demo database, and every statement
it sends to the database is counted, from the session check to the
commit (transaction control and SQLite PRAGMAs are not counted):

- plain: sale.sale.create + sale.sale.quote over XML-RPC, by a sales user,
  with the lines' prices, taxes and addresses filled in by the client;
- intake: dms.order.intake.submit of the same order, by an integration user;
- portal: the dealer's checkout POST of a cart holding the same lines (the
  cart is filled beforehand and not counted).

Each count is taken 3 times after a warm-up, and the smallest is kept: a
session refresh can add a statement to one request now and then.  Goal:
at most 1.3 times the plain count, and flat: each extra line costs the DMS
at most 1.3 times what it costs the plain path."""
import sys

from common import (
    BUYER, INTEGRATION_LOGIN, PASSWORD, SALES_LOGIN, Results,
    check_accepted, order, parser, plain_create_quote, plain_values, prepare,
    setup_backend, title, with_reference)

SIZES = [1, 10, 50]
GOAL = 1.3
COUNTS = 3


def main(argv=None):
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    setup_backend(args)
    from inprocess import Tryton
    results = Results(args, 'statements')
    title("SQL statements per order (in-process, Tryton's SQL log)")
    tryton = Tryton().start()
    try:
        run(tryton, results)
    finally:
        tryton.stop()
    results.save()


def run(tryton, results):
    context = prepare(tryton, products=max(SIZES))
    codes = context['codes']
    if len(codes) < max(SIZES):
        raise RuntimeError("only %d orderable products" % len(codes))
    admin = context['admin']
    erp = tryton.session_rpc(INTEGRATION_LOGIN, PASSWORD)
    sales = tryton.session_rpc(SALES_LOGIN, PASSWORD)
    portal = tryton.portal()
    portal.login(*BUYER)
    counter = tryton.counter
    serial = iter(range(1, 10 ** 6))

    def count(function):
        with counter.count():
            function()
        return counter.total

    def intake(lines):
        reference = 'SQL-I-%d' % next(serial)
        check_accepted(erp.dms.order.intake.submit(
                [order(reference, lines)], {}))

    def plain(values):
        plain_create_quote(
            sales, with_reference(values, 'SQL-P-%d' % next(serial)))

    def fill_cart(lines):
        status, _, _ = portal.post('cart/quick', {
                'lines': '\n'.join('%s 1' % c for c in lines)})
        assert status == 200, status

    def checkout():
        status, headers, _ = portal.post(
            'cart/checkout', {'reference': 'SQL-W-%d' % next(serial)})
        if status != 303:
            raise RuntimeError("portal checkout refused (%s)" % status)

    def portal_count(lines):
        fill_cart(lines)
        return count(checkout)

    figures = {}
    for size in SIZES:
        lines = codes[:size]
        # A DMS order gives the plain client its values (prices, taxes,
        # addresses) for the same lines
        reference = 'SQL-REF-%d' % size
        result, = check_accepted(erp.dms.order.intake.submit(
                [order(reference, lines)], {}))
        values = plain_values(admin, result['sale'])
        # Warm the caches of every path once
        plain(values)
        intake(lines)
        portal_count(lines)
        counts = {
            'plain': [count(lambda: plain(values)) for _ in range(COUNTS)],
            'intake': [count(lambda: intake(lines)) for _ in range(COUNTS)],
            'portal': [portal_count(lines) for _ in range(COUNTS)],
            }
        figures[size] = {k: min(v) for k, v in counts.items()}
        print("  %2d line(s): plain %s, intake %s, portal %s" % (
                size, *(counts[k] for k in ['plain', 'intake', 'portal'])),
            flush=True)

    print("\n  lines  plain  intake  portal  intake/plain  portal/plain")
    for size in SIZES:
        f = figures[size]
        print("  %5d  %5d  %6d  %6d  %11.2fx  %11.2fx" % (
                size, f['plain'], f['intake'], f['portal'],
                f['intake'] / f['plain'], f['portal'] / f['plain']))
    for path in ['intake', 'portal']:
        for size in SIZES:
            f = figures[size]
            ratio = f[path] / f['plain']
            results.add(
                'SQL statements per order, %s, %d line%s' % (
                    path, size, 's' if size > 1 else ''),
                '%d' % f['plain'], '%d' % f[path], ratio,
                '<= %.1fx' % GOAL, ratio <= GOAL)
        first, last = figures[SIZES[0]], figures[SIZES[-1]]
        steps = SIZES[-1] - SIZES[0]
        plain_line = (last['plain'] - first['plain']) / steps
        dms_line = (last[path] - first[path]) / steps
        ratio = dms_line / plain_line if plain_line else None
        results.add(
            'SQL statements per extra line, %s, %d to %d lines' % (
                path, SIZES[0], SIZES[-1]),
            '%.2f' % plain_line, '%.2f' % dms_line, ratio,
            '<= %.1fx (flat)' % GOAL,
            dms_line <= GOAL * plain_line)


if __name__ == '__main__':
    sys.exit(main())
