#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Benchmark 4: a catalogue page of 20,000 products against a plain read.

On a real trytond serving a copy of the demo database with 20,000 more
products (bench/catalogue_data.py, cached), the buyer of dealer D0001
opens a page in the middle of the catalogue, without and with a search:

- portal: GET /<db>/portal/catalogue?page=N (and ?q=...&page=N) with its
  session cookie: count, page of products, tier prices, availability,
  categories, rendered HTML;
- plain (baseline): product.product.search_read over XML-RPC by a user of
  the Sales group of the same page: the catalogue's domain for the dealer
  (catalogue_domain of addons/dms_orders/product.py), the same offset,
  limit and order, and the fields the page shows (code, name, the price
  and the quantity available as list_price_used and forecast_quantity of
  the warehouse, lead time, minimum and multiple).

The figures are the median wall times of the rounds, measured from the
client; the ratio is the median of the rounds' ratios (each round reads
the page both ways, one after the other).  Goal: the portal page at most
1.5 times the plain read."""
import re
import sys

from common import (
    BUYER, PASSWORD, SALES_LOGIN, BenchServer, PortalClient, Results,
    median, ms, parser, prepare, setup_backend, spread, timed, title)

from dms_orders.product import catalogue_domain

ROUNDS = 15
WARMUP = 2
GOAL = 1.5
PAGE_SIZE = 24  # addons/dms_orders/routes.py
SEARCH = 'Product 01'
FIELDS = ['code', 'name', 'list_price_used', 'forecast_quantity',
    'lead_time', 'template.dms_min_quantity',
    'template.dms_quantity_multiple']


def main(argv=None):
    args = parser(__doc__.splitlines()[0]).parse_args(argv)
    setup_backend(args)
    import catalogue_data
    results = Results(args, 'catalogue')
    title("Catalogue page with %d more products: portal vs plain "
        "search_read" % catalogue_data.PRODUCTS)
    sqlite_file, pg_template = catalogue_data.database()
    server = BenchServer(sqlite_file=sqlite_file, pg_template=pg_template)
    server.start()
    try:
        run(server, results, args.rounds or ROUNDS)
    finally:
        server.stop()
    results.save()


def run(server, results, rounds):
    context = prepare(server, products=10)
    sales = server.session_rpc(SALES_LOGIN, PASSWORD)
    portal = PortalClient(server)
    portal.login(*BUYER)
    tier = context['dealer']['tier']
    rpc_context = {
        'company': context['company'],
        'locations': [context['warehouse']],
        }

    cases = []
    for label, text in [('browse', None), ('search', SEARCH)]:
        domain = catalogue_domain(tier, text)
        total = sales.product.product.search_count(domain, rpc_context)
        pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
        page = (pages + 1) // 2
        query = 'page=%d' % page
        if text:
            query = 'q=%s&%s' % (text.replace(' ', '+'), query)
        cases.append((label, text, domain, page, query, total))

    def plain(domain, page):
        seconds, rows = timed(sales.product.product.search_read, domain,
            (page - 1) * PAGE_SIZE, PAGE_SIZE, [('code', 'ASC'), ('id', 'ASC')],
            FIELDS, rpc_context)
        assert len(rows) == PAGE_SIZE, len(rows)
        return seconds, [r['code'] for r in rows]

    def page_(query):
        seconds, (status, _, body) = timed(portal.get, 'catalogue?' + query)
        assert status == 200, status
        codes = re.findall(
            r'<td data-label="Code">([^<]*)</td>', body.decode())
        return seconds, codes

    for label, text, domain, page, query, total in cases:
        times = {'plain': [], 'portal': []}
        for n in range(WARMUP + rounds):
            runs = [('plain', lambda: plain(domain, page)),
                ('portal', lambda: page_(query))]
            if n % 2:
                runs.reverse()
            codes = {}
            for name, function in runs:
                seconds, codes[name] = function()
                if n >= WARMUP:
                    times[name].append(seconds)
            if codes['plain'] != codes['portal']:
                raise RuntimeError("the portal and the plain read differ "
                    "on page %d" % page)
        base, value = median(times['plain']), median(times['portal'])
        # Each round reads the page both ways one after the other: the
        # median of the rounds' ratios leaves out what slows the machine for
        # a while (the spread of either median is wide on a shared machine)
        ratio = median([p / b for b, p in zip(times['plain'], times['portal'])])
        print("  %s: page %d of %d products (q=%r)" % (
                label, page, total, text or ''))
        for name in ['plain', 'portal']:
            print("    %-7s median %s (%s, %d rounds)" % (
                    name, ms(median(times[name])), spread(times[name]),
                    rounds))
        results.add(
            'Catalogue page %d%s (%d products) vs plain search_read' % (
                page, ' with q=%s' % text if text else '', total),
            ms(base), ms(value), ratio, '<= %.1fx' % GOAL, ratio <= GOAL)
    portal.close()


if __name__ == '__main__':
    sys.exit(main())
