#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Benchmark 1: a dealer's order submit against a plain sale over RPC.

On a real trytond serving a copy of the demo database, the same order
(dealer D0001, the same products and quantities) is placed three ways, in
turn, each round:

- plain (baseline): sale.sale.create then sale.sale.quote over XML-RPC by a
  user of the Sales group, with the values a client sends (prices, taxes,
  addresses taken from an intake order of the same lines);
- portal: the buyer's checkout POST of /<db>/portal/cart/checkout, with its
  session cookie and CSRF token; the cart is filled beforehand, untimed;
- intake: dms.order.intake.submit with this one order, over XML-RPC by a
  user of the DMS Integration group.

Both RPC users authenticate with a session, as Tryton's clients do.  The
wall time of each request is measured from the client; the figure is the
median of the rounds.  Goal: each DMS path at most 1.2 times the plain."""
import sys

from common import (
    BUYER, INTEGRATION_LOGIN, PASSWORD, SALES_LOGIN, BenchServer,
    PortalClient, Results, check_accepted, median, ms, order, parser,
    plain_create_quote, plain_values, prepare, setup_backend, spread, timed,
    title, with_reference)

LINES = 5
ROUNDS = 15
WARMUP = 2
GOAL = 1.2


def main(argv=None):
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    setup_backend(args)
    results = Results(args, 'submit')
    title("Order submit: portal checkout and intake vs plain "
        "create+quote (%d lines)" % LINES)
    server = BenchServer().start()
    try:
        run(server, results, args.rounds or ROUNDS)
    finally:
        server.stop()
    results.save()


def run(server, results, rounds):
    context = prepare(server)
    codes = context['codes'][:LINES]
    erp = server.session_rpc(INTEGRATION_LOGIN, PASSWORD)
    sales = server.session_rpc(SALES_LOGIN, PASSWORD)
    portal = PortalClient(server)
    portal.login(*BUYER)
    cart = '\n'.join('%s 1' % c for c in codes)

    first, = check_accepted(erp.dms.order.intake.submit(
            [order('BENCH-REF', codes)], {}))
    values = plain_values(context['admin'], first['sale'])

    def plain(n):
        return timed(plain_create_quote, sales,
            with_reference(values, 'BENCH-P-%d' % n))[0]

    def intake(n):
        seconds, result = timed(erp.dms.order.intake.submit,
            [order('BENCH-I-%d' % n, codes)], {})
        check_accepted(result)
        return seconds

    def checkout(n):
        status, _, _ = portal.post('cart/quick', {'lines': cart})
        assert status == 200, status
        seconds, (status, headers, _) = timed(
            portal.post, 'cart/checkout', {'reference': 'BENCH-W-%d' % n})
        if status != 303 or '/orders/' not in headers.get('Location', ''):
            raise RuntimeError("portal checkout refused (%s)" % status)
        return seconds

    paths = [('plain', plain), ('portal', checkout), ('intake', intake)]
    times = {name: [] for name, _ in paths}
    for n in range(WARMUP + rounds):
        # Turn the order of the paths so that none always comes first
        for name, function in paths[n % 3:] + paths[:n % 3]:
            seconds = function(n)
            if n >= WARMUP:
                times[name].append(seconds)
    portal.close()

    base = median(times['plain'])
    for name in ['plain', 'portal', 'intake']:
        print("  %-7s median %s (%s, %d rounds)" % (
                name, ms(median(times[name])), spread(times[name]), rounds))
    for name, label in [
            ('portal', "Portal checkout POST vs plain create+quote"),
            ('intake', "Intake submit, 1 order, vs plain create+quote")]:
        value = median(times[name])
        results.add('%s (%d lines)' % (label, LINES), ms(base), ms(value),
            value / base, '<= %.1fx' % GOAL, value / base <= GOAL)


if __name__ == '__main__':
    sys.exit(main())
