# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""50 dealers browse and order in the portal for 5 minutes, against
trytond served by gunicorn in 2 processes (as in production) on
PostgreSQL, on loopback.

Each simulated dealer is a buyer of its own dealer with a browser-like
client (cookies, CSRF token): it signs in, then, with 1 to 3 seconds to
think between pages, looks at the home page, the catalogue (pages,
searches, product pages), its cart, its orders and their details, its
bulletins and inbox, adds products to its cart and checks out about every
sixth page.  No request may fail: every page answers 200, every form the
redirect or page it should.  The latency of each page (50th, 95th, 99th
percentiles) is printed and written to test-results/load.md; the README's
table comes from there.

DMS_LOAD_SECONDS and DMS_LOAD_DEALERS change the duration (300) and the
number of dealers (50)."""
import collections
import datetime as dt
import os
import random
import re
import statistics
import threading
import time
import unittest

from tests.fixtures import DEMO_LOGINS, ROOT, DemoServer, _backend
from tests.test_portal_concurrency import PortalClient

SECONDS = int(os.environ.get('DMS_LOAD_SECONDS', 300))
DEALERS = int(os.environ.get('DMS_LOAD_DEALERS', 50))
PROCESSES = 2
PASSWORD = DEMO_LOGINS['d0001.buyer'][1]
THINK = (1.0, 3.0)


def percentile(values, fraction):
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(fraction * len(values)) - 1))
    return values[index]


class Dealer:
    "A buyer browsing and ordering: what it does and how long it waits"

    def __init__(self, base, email, seed, record):
        self.client = PortalClient(base)
        self.email = email
        self.random = random.Random(seed)
        self.record = record
        self.products = []
        self.orders = []
        self.checkouts = 0

    def get(self, label, path, expect=200):
        started = time.monotonic()
        try:
            status, body = self.client.request(path)
        except OSError as error:
            status, body = repr(error), ''
        self.record(label, time.monotonic() - started, status, expect)
        return body

    def post(self, label, path, form, expect):
        started = time.monotonic()
        try:
            status, body = self.client.request(path, form)
        except OSError as error:
            status, body = repr(error), ''
        self.record(label, time.monotonic() - started, status, expect)
        return status, body

    def sign_in(self):
        self.get('sign-in page', '/login')
        self.post('sign in', '/login',
            {'email': self.email, 'password': PASSWORD}, 303)

    def step(self):
        choice = self.random.random()
        if choice < 0.12:
            self.get('home', '/')
        elif choice < 0.30:
            page = self.get('catalogue', '/catalogue?page=%s'
                % self.random.randint(1, 3))
            self.products = sorted(set(re.findall(
                        r'/catalogue/(\d+)', page))) or self.products
        elif choice < 0.40:
            self.get('catalogue search', '/catalogue?q=%s'
                % self.random.choice(['AC', 'Fridge', 'WM', 'SP', 'air']))
        elif choice < 0.52 and self.products:
            self.get('product', '/catalogue/%s'
                % self.random.choice(self.products))
        elif choice < 0.62:
            code = self.random.choice(
                ['AC-1001', 'AC-1003', 'RF-2004', 'WM-3002', 'SP-6009'])
            self.post('cart quick add', '/cart/quick',
                {'lines': '%s %s' % (code, self.random.randint(1, 3))}, 200)
        elif choice < 0.68:
            self.get('cart', '/cart')
        elif choice < 0.78:
            self.checkouts += 1
            self.post('cart quick add', '/cart/quick',
                {'lines': 'SP-6009 1'}, 200)
            self.post('checkout', '/cart/checkout', {
                    'reference': 'LOAD-%s-%s' % (
                        self.email.split('.')[0], self.checkouts)}, 303)
        elif choice < 0.86:
            page = self.get('orders', '/orders')
            self.orders = sorted(set(re.findall(
                        r'/orders/(\d+)"', page))) or self.orders
        elif choice < 0.92 and self.orders:
            self.get('order', '/orders/%s' % self.random.choice(self.orders))
        elif choice < 0.96:
            self.get('bulletins', '/bulletins')
        else:
            self.get('inbox', '/inbox')

    def run(self, deadline):
        time.sleep(self.random.uniform(0, THINK[1]))
        self.sign_in()
        while time.monotonic() < deadline:
            time.sleep(self.random.uniform(*THINK))
            self.step()


@unittest.skipUnless(_backend() == 'postgresql',
    "the load test runs on PostgreSQL, the production database")
class LoadTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = DemoServer(processes=PROCESSES).start()
        cls.addClassCleanup(cls.server.stop)
        admin = cls.server.rpc(*DEMO_LOGINS['admin']).model
        # Every checkout is accepted: the load is what is measured
        admin.dms.configuration.write([1], {
                'backorder_policy': 'accept',
                'check_credit_limit': False}, {})
        dealers = admin.dms.dealer.search_read(
            [('state', '=', 'active')], 0, None, [('code', 'ASC')],
            ['code'], {})
        if len(dealers) < DEALERS:
            # Dealers generated by the demo generator, with a buyer each
            cls.server.run_demo('--size', 'small',
                '--dealers', str(DEALERS - len(dealers)))
            dealers = admin.dms.dealer.search_read(
                [('state', '=', 'active')], 0, None, [('code', 'ASC')],
                ['code'], {})
        dealers = dealers[:DEALERS]
        emails = ['%s.buyer@dealers.example.com' % d['code'].lower()
            for d in dealers]
        existing = {u['email'] for u in admin.web.user.search_read(
                [('email', 'in', emails)], 0, None, None, ['email'], {})}
        admin.web.user.create([{
                    'email': email, 'password': PASSWORD,
                    'dealer': dealer['id'], 'dealer_role': 'buyer',
                    } for dealer, email in zip(dealers, emails)
                if email not in existing], {})
        cls.emails = emails

    def test_fifty_dealers(self):
        "50 dealers for 5 minutes: no error, the latency of each page"
        base = '%s/%s/portal' % (self.server.url, self.server.database)
        samples = collections.defaultdict(list)
        errors = []
        lock = threading.Lock()

        def record(label, seconds, status, expect):
            with lock:
                samples[label].append(seconds)
                if status != expect:
                    errors.append((label, status))
        deadline = time.monotonic() + SECONDS
        dealers = [Dealer(base, email, seed, record)
            for seed, email in enumerate(self.emails)]
        threads = [threading.Thread(target=d.run, args=(deadline,))
            for d in dealers]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 300)
        elapsed = time.monotonic() - started

        requests = sum(len(v) for v in samples.values())
        rows = []
        for label in sorted(samples, key=lambda l: -len(samples[l])):
            values = samples[label]
            rows.append('| %s | %s | %.0f | %.0f | %.0f |' % (
                    label, len(values),
                    statistics.median(values) * 1000,
                    percentile(values, 0.95) * 1000,
                    percentile(values, 0.99) * 1000))
        table = '\n'.join([
                '%s dealers for %.0f s, trytond under gunicorn (%s '
                'processes of %s threads) on PostgreSQL, %s requests '
                '(%.1f per second), %s errors, %s orders placed, %s.'
                % (len(dealers), elapsed, PROCESSES, self.server.threads,
                    requests, requests / elapsed, len(errors),
                    sum(d.checkouts for d in dealers),
                    dt.date.today().isoformat()),
                '',
                '| page | requests | p50 (ms) | p95 (ms) | p99 (ms) |',
                '|---|---:|---:|---:|---:|',
                *rows])
        print('\n' + table)
        folder = os.path.join(ROOT, 'test-results')
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, 'load.md'), 'w') as fp:
            fp.write(table + '\n')

        self.assertEqual(errors, [], collections.Counter(errors))
        log = self.server.read_log()
        self.assertNotRegex(log, r'" 5\d\d -')
        self.assertNotIn('Traceback', log)
        # Every kind of page was visited, by every dealer
        self.assertGreaterEqual(len(samples), 12, sorted(samples))
        if SECONDS >= 120:
            self.assertTrue(all(d.checkouts for d in dealers))
