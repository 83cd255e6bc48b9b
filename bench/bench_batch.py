#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Benchmark 3: orders per second of a batch intake against plain RPC.

On a real trytond serving a copy of the demo database, ORDERS orders of
LINES lines each (dealer D0001; 10 sets of products, 1 to 3 units each, so
30 different orders repeated) are placed each round:

- plain (baseline): one sale.sale.create and one sale.sale.quote call per
  order over XML-RPC, by a user of the Sales group;
- batch: one dms.order.intake.submit call with all the orders, by a user
  of the DMS Integration group;
- single (for information): one dms.order.intake.submit call per order;
- plain batch (for information): one sale.sale.create call with all the
  orders and one sale.sale.quote call for them, by the sales user: Tryton's
  own cost of creating and quoting these orders in one transaction, with no
  validation at all.  No intake built on Tryton's ORM can go much faster,
  so its ratio to the plain rate is about the most the first goal's ratio
  can be.

The figure is orders per second, the median of the rounds.  Goals: the
batch at least 25 times the plain rate, and at least 0.9 times Tryton's own
batch of the same orders (the intake checks, prices and quotes the orders
it creates: its validation may cost at most a tenth)."""
import sys

from common import (
    DEALER, INTEGRATION_LOGIN, PASSWORD, SALES_LOGIN, BenchServer, Results,
    check_accepted, median, parser, plain_create_quote, plain_values,
    prepare, setup_backend, timed, title, with_reference)

ORDERS = 100
LINES = 3
ROUNDS = 3
# Orders cycle through SETS sets of LINES products and 1 to QUANTITIES units
SETS = 10
QUANTITIES = 3
GOAL = 25
GOAL_PLAIN_BATCH = 0.9


def main(argv=None):
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument('--orders', type=int, default=ORDERS,
        help="orders per round (default %(default)s)")
    args = arguments.parse_args(argv)
    setup_backend(args)
    results = Results(args, 'batch')
    title("Batch intake: %d orders of %d lines in one call vs one plain "
        "create+quote per order" % (args.orders, LINES))
    server = BenchServer().start()
    try:
        run(server, results, args.rounds or ROUNDS, args.orders)
    finally:
        server.stop()
    results.save()


def run(server, results, rounds, count):
    context = prepare(server)
    codes = context['codes']
    erp = server.session_rpc(INTEGRATION_LOGIN, PASSWORD)
    sales = server.session_rpc(SALES_LOGIN, PASSWORD)

    def lines(n):
        """The lines of order n: one of SETS sets of LINES products, with a
        quantity of 1 to QUANTITIES"""
        start = (n % SETS) * LINES
        quantity = 1 + (n // SETS) % QUANTITIES
        return [(c, quantity) for c in codes[start:start + LINES]]

    def intake_order(reference, n):
        return {
            'dealer_code': DEALER,
            'external_reference': reference,
            'lines': [{'product_code': c, 'quantity': q}
                for c, q in lines(n)],
            }

    # A plain client sends the values an intake order has for the same
    # lines (prices, taxes, addresses): one set of values per variant
    variants = SETS * QUANTITIES
    references = check_accepted(erp.dms.order.intake.submit(
            [intake_order('BATCH-REF-%d' % n, n) for n in range(variants)],
            {}))
    values = {}
    for n, result in enumerate(references):
        values[tuple(lines(n))] = plain_values(
            context['admin'], result['sale'])

    def plain(prefix):
        for n in range(count):
            plain_create_quote(sales, with_reference(
                    values[tuple(lines(n))], '%s-%d' % (prefix, n)))

    def batch(prefix):
        check_accepted(erp.dms.order.intake.submit(
                [intake_order('%s-%d' % (prefix, n), n)
                    for n in range(count)], {}))

    def plain_batch(prefix):
        sale_ids = sales.sale.sale.create([
                with_reference(values[tuple(lines(n))], '%s-%d' % (prefix, n))
                for n in range(count)], {})
        sales.sale.sale.quote(sale_ids, {})

    def single(prefix):
        for n in range(count):
            check_accepted(erp.dms.order.intake.submit(
                    [intake_order('%s-%d' % (prefix, n), n)], {}))

    # Warm up every path
    plain_create_quote(sales, with_reference(values[tuple(lines(0))], 'W-P'))
    plain_batch('W-PB')
    check_accepted(erp.dms.order.intake.submit(
            [intake_order('W-B', 0)], {}))

    rates = {'plain': [], 'batch': [], 'single': [], 'plain_batch': []}
    paths = [('plain', plain), ('batch', batch), ('single', single),
        ('plain_batch', plain_batch)]
    for n in range(rounds):
        for name, function in paths[n % 4:] + paths[:n % 4]:
            seconds, _ = timed(function, 'BATCH-%s-%d' % (name, n))
            rates[name].append(count / seconds)
            print("  round %d %-6s %6.1f s  %7.1f orders/s" % (
                    n + 1, name, seconds, count / seconds), flush=True)

    plain_rate = median(rates['plain'])
    batch_rate = median(rates['batch'])
    single_rate = median(rates['single'])
    ratio = batch_rate / plain_rate
    results.add(
        'Batch intake, %d orders in 1 call, vs plain create+quote per order'
        % count, '%.1f orders/s' % plain_rate, '%.1f orders/s' % batch_rate,
        ratio, '>= %dx' % GOAL, ratio >= GOAL)
    plain_batch_rate = median(rates['plain_batch'])
    results.add(
        'Plain batch: sale.sale.create of %d orders in 1 call + quote '
        "(information: Tryton's own batch, no validation)" % count,
        '%.1f orders/s' % plain_rate, '%.1f orders/s' % plain_batch_rate,
        plain_batch_rate / plain_rate, '-', None, note='for information')
    ratio = batch_rate / plain_batch_rate
    results.add(
        'Batch intake vs plain batch: sale.sale.create of the same %d '
        'orders in 1 call + quote' % count,
        '%.1f orders/s' % plain_batch_rate, '%.1f orders/s' % batch_rate,
        ratio, '>= %sx' % GOAL_PLAIN_BATCH, ratio >= GOAL_PLAIN_BATCH)
    ratio = single_rate / plain_rate
    results.add(
        'Intake, 1 order per call (information)',
        '%.1f orders/s' % plain_rate, '%.1f orders/s' % single_rate,
        ratio, '-', None, note='for information')


if __name__ == '__main__':
    sys.exit(main())
