# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What the benchmarks share: a real trytond on a copy of the demo database,
XML-RPC and portal clients, the data set-up, timing and reporting.

Every figure is a ratio against a baseline measured in the same run, on the
same server and database: nothing here compares with a time written down
beforehand."""
import argparse
import datetime as dt
import http.client
import json
import os
import platform
import statistics
import sys
import time
from decimal import Decimal
from http.cookies import SimpleCookie
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.fixtures import DEMO_LOGINS, DemoServer  # noqa: E402

CACHE = os.path.join(ROOT, '.cache', 'bench')
DEALER = 'D0001'
BUYER = DEMO_LOGINS['d0001.buyer']
INTEGRATION_LOGIN = 'bench_erp'
SALES_LOGIN = 'bench_sales'
PASSWORD = 'bench-secret-1'
# Stock given to the benchmark products so that no order is refused for
# stock, and the credit limit of the dealer so that none is refused for
# credit: the checks still run, they just pass
STOCK = 1_000_000
CREDIT_LIMIT = 10 ** 12


# Command line and results

def parser(description):
    "The options every benchmark script takes"
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--rounds', type=int,
        help="timed rounds (default: the benchmark's own)")
    parser.add_argument('--postgresql', metavar='URI',
        help="run on PostgreSQL at URI instead of SQLite "
        "(e.g. postgresql://postgres@127.0.0.1:5432/)")
    parser.add_argument('--json', metavar='FILE',
        help="append the result rows to FILE (used by run.py)")
    return parser


def setup_backend(args):
    "Select the backend the way tests/fixtures.py expects it"
    if args.postgresql:
        os.environ['DMS_TEST_BACKEND'] = 'postgresql'
        os.environ['TRYTOND_DATABASE_URI'] = args.postgresql
    else:
        os.environ['DMS_TEST_BACKEND'] = 'sqlite'
        os.environ.pop('TRYTOND_DATABASE_URI', None)


def backend():
    return os.environ.get('DMS_TEST_BACKEND', 'sqlite')


class Results:
    "Result rows of one benchmark script: printed, and kept for run.py"

    def __init__(self, args, benchmark):
        self.args = args
        self.benchmark = benchmark
        self.rows = []

    def add(self, name, baseline, dms, ratio, goal, passed, note=''):
        """A row: baseline and dms are the figures as text, ratio a float,
        goal the goal as text ('<= 1.2x'), passed None for a figure given
        for information"""
        status = ('INFO' if passed is None
            else 'PASS' if passed else 'MISS')
        row = {
            'benchmark': name,
            'baseline': baseline,
            'dms': dms,
            'ratio': '%.2fx' % ratio if ratio is not None else '-',
            'goal': goal,
            'status': status,
            'backend': backend(),
            'date': dt.datetime.now().strftime('%Y-%m-%d %H:%M'),
            'note': note,
            }
        self.rows.append(row)
        print("  => %s: ratio %s, goal %s: %s%s" % (
                name, row['ratio'], goal, status,
                ' (%s)' % note if note else ''), flush=True)
        return row

    def save(self):
        if self.args.json:
            with open(self.args.json, 'a') as fp:
                for row in self.rows:
                    fp.write(json.dumps(row) + '\n')
        missed = [r for r in self.rows if r['status'] == 'MISS']
        print("%s: %d goal(s), %d missed" % (
                self.benchmark, len(self.rows), len(missed)), flush=True)


def title(text):
    print('\n== %s ==' % text, flush=True)
    print("   %s, Python %s, %s, %s cores" % (
            backend(), platform.python_version(), platform.machine(),
            os.cpu_count()), flush=True)


# Timing

def timed(function, *args, **kwargs):
    "(seconds, result) of one call"
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def median(values):
    return statistics.median(values)


def ms(seconds):
    return '%.1f ms' % (seconds * 1000)


def spread(values):
    "min-max of timings in ms, to show the noise next to a median"
    return '%.1f-%.1f ms' % (min(values) * 1000, max(values) * 1000)


# Server and clients

def demo_file():
    """The SQLite demo database of tests/fixtures.py (built once per
    version of addons/), tried again once: a test run building the same
    version at the same time can spoil the first attempt"""
    import tests.fixtures as fixtures
    try:
        return fixtures._sqlite_demo_file()
    except RuntimeError:
        time.sleep(5)
        return fixtures._sqlite_demo_file()


class BenchServer(DemoServer):
    """The test suite's server (tests/fixtures.py), optionally on another
    database file or PostgreSQL template than the demo one"""

    def __init__(self, sqlite_file=None, pg_template=None):
        super().__init__()
        self.sqlite_file = sqlite_file
        self.pg_template = pg_template

    def start(self):
        import tests.fixtures as fixtures
        saved = fixtures._sqlite_demo_file, fixtures._pg_demo_template
        if backend() == 'sqlite':
            sqlite_file = self.sqlite_file or demo_file()
            fixtures._sqlite_demo_file = lambda: sqlite_file
        if self.pg_template:
            fixtures._pg_demo_template = lambda: self.pg_template
        try:
            return super().start()
        finally:
            fixtures._sqlite_demo_file, fixtures._pg_demo_template = saved

    def session_rpc(self, login, password):
        "The model proxy of DemoServer.session_rpc"
        return super().session_rpc(login, password).model


class PortalSession:
    """A dealer's browser in the portal: its cookies, the CSRF token of its
    forms and signing in; subclasses send the requests (_send)"""
    base = None

    def request(self, method, path, data=None):
        headers = {}
        if self.cookies:
            headers['Cookie'] = '; '.join(
                '%s=%s' % item for item in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers['Content-Type'] = 'application/x-www-form-urlencoded'
        status, response_headers, set_cookies, content = self._send(
            method, self.base + path, body, headers)
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                if morsel['max-age'] == '0' or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return status, response_headers, content

    def _send(self, method, url, body, headers):
        "Return status, headers, Set-Cookie values and content"
        raise NotImplementedError

    def get(self, path):
        return self.request('GET', path)

    def post(self, path, data):
        data = dict(data, csrf_token=self.cookies.get('dms_portal_csrf', ''))
        return self.request('POST', path, data)

    def login(self, email, password):
        self.get('login')
        status, _, _ = self.post(
            'login', {'email': email, 'password': password})
        if status != 303 or 'dms_portal_session' not in self.cookies:
            raise RuntimeError("portal login failed for %s" % email)


class PortalClient(PortalSession):
    "A dealer's browser in the portal of a BenchServer, over HTTP"

    def __init__(self, server):
        self.server = server
        self.base = '/%s/portal/' % server.database
        self.connection = http.client.HTTPConnection(
            '127.0.0.1', server.port, timeout=120)
        self.cookies = {}

    def _send(self, method, url, body, headers):
        self.connection.request(method, url, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        return (response.status, response.headers,
            response.headers.get_all('Set-Cookie') or [], content)

    def close(self):
        self.connection.close()


# Data set-up (as the administrator, outside any timing)

def create_user(admin, login, groups):
    "A back-office user of the company in the groups (names)"
    group_ids = admin.res.group.search(
        [('name', 'in', list(groups))], 0, None, None, {})
    assert len(group_ids) == len(groups), groups
    company_id, = admin.company.company.search([], 0, None, None, {})
    user_id, = admin.res.user.create([{
                'login': login, 'name': login, 'password': PASSWORD,
                'groups': [('add', group_ids)],
                'companies': [('add', [company_id])],
                'company': company_id,
                }], {})
    return user_id


def prepare(server, products=60):
    """Users, stock and credit for the benchmarks; return a dict with the
    administrator's proxy, the dealer, the codes of orderable products
    with stock (at most `products`), the warehouse"""
    # (imported here: importing trytond's models chooses the backend, which
    # the in-process benchmarks set after importing this module)
    from dms_orders.product import catalogue_domain
    admin = server.session_rpc(*DEMO_LOGINS['admin'])
    create_user(admin, INTEGRATION_LOGIN, ['DMS Integration'])
    create_user(admin, SALES_LOGIN, ['Sales'])
    dealer, = admin.dms.dealer.search_read(
        [('code', '=', DEALER)], 0, None, None,
        ['party', 'tier', 'company'], {})
    company = dealer['company']
    admin.party.party.write([dealer['party']],
        {'credit_limit_amount': tryton_value(Decimal(CREDIT_LIMIT))},
        {'company': company})
    currency = admin.company.company.read(
        [company], ['currency'], {})[0]['currency']
    tier = dealer['tier']
    # The demo products the dealer may order, sorted by code
    found = admin.product.product.search_read(catalogue_domain(tier) + [
            ('template.dms_min_quantity', '=', None),
            ('template.dms_quantity_multiple', '=', None),
            ('code', 'not like', 'SKU-%'),
            ], 0, products, [('code', 'ASC')], ['code', 'default_uom'], {})
    storage, = admin.stock.location.search(
        [('code', '=', 'STO')], 0, None, None, {})
    supplier, = admin.stock.location.search(
        [('code', '=', 'SUP')], 0, None, None, {})
    warehouse, = admin.stock.location.search(
        [('type', '=', 'warehouse')], 0, 1, None, {})
    moves = admin.stock.move.create([{
                'product': p['id'], 'quantity': STOCK,
                'unit': p['default_uom'],
                'from_location': supplier, 'to_location': storage,
                'company': company, 'unit_price': '1',
                'currency': currency,
                } for p in found], {'company': company})
    admin.stock.move.do(moves, {'company': company})
    return {
        'admin': admin,
        'dealer': dealer,
        'codes': [p['code'] for p in found],
        'warehouse': warehouse,
        'company': company,
        }


def order(reference, codes, quantity=1):
    "An intake order of the benchmark dealer"
    return {
        'dealer_code': DEALER,
        'external_reference': reference,
        'lines': [{'product_code': c, 'quantity': quantity} for c in codes],
        }


SALE_FIELDS = ['company', 'currency', 'party', 'dealer', 'warehouse',
    'invoice_party', 'invoice_address', 'shipment_party', 'shipment_address',
    'payment_term', 'price_list', 'sale_date', 'invoice_method',
    'shipment_method', 'lines']
LINE_FIELDS = ['sequence', 'type', 'product', 'quantity', 'unit',
    'unit_price', 'description', 'taxes']


def plain_values(admin, sale_id):
    """The sale.sale create values of a plain client for the same order as
    sale_id (an order created by the intake): same party, addresses,
    payment term, products, quantities, units, prices and taxes"""
    sale, = admin.sale.sale.read([sale_id], SALE_FIELDS, {})
    lines = admin.sale.line.read(sale['lines'], LINE_FIELDS, {})
    values = {k: sale[k] for k in SALE_FIELDS if k != 'lines'}
    values['lines'] = [('create', [{
                    **{k: tryton_value(l[k])
                        for k in LINE_FIELDS if k != 'taxes'},
                    'taxes': [('add', l['taxes'])],
                    } for l in lines])]
    return values


def tryton_value(value):
    "Decimal as Tryton's XML-RPC server reads it (the standard has none)"
    if isinstance(value, Decimal):
        return {'__class__': 'Decimal', 'decimal': str(value)}
    return value


def with_reference(values, reference):
    return dict(values, reference=reference, external_reference=reference)


def plain_create_quote(rpc, values):
    "The baseline: a plain client creates the sale and quotes it (2 calls)"
    sale_id, = rpc.sale.sale.create([values], {})
    rpc.sale.sale.quote([sale_id], {})
    return sale_id


def check_accepted(results):
    for result in results:
        if result['status'] != 'accepted':
            raise RuntimeError("intake refused a benchmark order: %r" % (
                    result,))
    return results
