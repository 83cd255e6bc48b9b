# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Faults on a real server on PostgreSQL, all on loopback:

- a worker killed with SIGKILL in the middle of a task, while the mail
  server is down and then hangs: once the mail server is back and a worker
  runs again, each e-mail arrives exactly once;
- PostgreSQL restarted while integrators send orders and dealers browse:
  no partial order, only clean errors (no server error), the service is
  back within 10 seconds and the orders sent again are created once.
  (The connection pool of psycopg tries again to connect after 1, 2, 4...
  seconds: depending on when PostgreSQL accepts connections again, the
  first order is accepted from 1 to 8 seconds after it is ready.)"""
import collections
import os
import shutil
import socket
import subprocess
import threading
import time
import unittest
import xmlrpc.client

from dms_portal.tests.tools import SMTPSink
from tests.fixtures import DEMO_LOGINS, DemoServer, _backend, free_port
from tests.test_portal_concurrency import PortalClient

ON_POSTGRESQL = _backend() == 'postgresql'
PG_CTLCLUSTER = shutil.which('pg_ctlcluster')
ABANDONED_AFTER = 3


def wait_for(condition, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    return condition()


@unittest.skipUnless(ON_POSTGRESQL, "trytond-worker needs PostgreSQL")
class WorkerFaultTestCase(unittest.TestCase):
    "E-mail tasks survive a mail server that is down and a killed worker"

    @classmethod
    def setUpClass(cls):
        cls.smtp_port = free_port()
        cls.server = DemoServer(config={
                'queue': {'worker': 'True'},
                'email': {'uri': 'smtp://127.0.0.1:%s' % cls.smtp_port},
                'dms_queue': {
                    'abandoned_after': ABANDONED_AFTER,
                    'email_retry_delay': 1,
                    },
                }).start()
        cls.addClassCleanup(cls.server.stop)
        cls.admin = cls.server.rpc(*DEMO_LOGINS['admin']).model

    def queue(self):
        "The e-mail tasks of the queue: (id, dequeued, finished)"
        import psycopg
        from tests.fixtures import _pg_uri
        with psycopg.connect(_pg_uri() + self.server.database) as conn:
            return conn.execute(
                "SELECT id, dequeued_at IS NOT NULL, "
                "finished_at IS NOT NULL FROM ir_queue "
                "WHERE data->>'method' = 'send_email' ORDER BY id"
                ).fetchall()

    def test_worker_killed_mail_server_down(self):
        "Each e-mail arrives once after the faults"
        admin = self.admin
        company, = admin.company.company.search([], 0, None, None, {})
        ctx = {'company': company}
        dealers = admin.dms.dealer.search(
            [('state', '=', 'active')], 0, 4, [('code', 'ASC')], {})
        bulletin, = admin.dms.bulletin.create([{
                    'company': company, 'title': "Faults", 'kind': 'general',
                    'body': "Sent once.", 'audience': 'dealers',
                    'dealers': [('add', dealers)]}], ctx)
        admin.dms.bulletin.publish([bulletin], ctx)
        notifications = admin.dms.dealer.notification.search_read(
            [('resource', '=', 'dms.bulletin,%s' % bulletin)], 0, None,
            None, ['user.email', 'emailed_at'], ctx)
        self.assertGreaterEqual(len(notifications), 4)
        self.assertTrue(self.queue())

        # 1. The mail server is down: the worker queues the e-mails again
        worker = self.server.start_worker()
        self.assertTrue(wait_for(
                lambda: 'mail server unavailable'
                in self.server.read_worker_logs(), 60),
            self.server.read_worker_logs()[-3000:])

        # 2. It hangs (accepts, never answers): the worker is in the
        # middle of the task when it is killed
        hanging = socket.socket()
        hanging.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hanging.bind(('127.0.0.1', self.smtp_port))
        hanging.listen(8)
        hanging.settimeout(60)
        connection, _ = hanging.accept()
        self.server.kill_worker(worker)
        connection.close()
        hanging.close()
        # The task is taken and will never finish
        self.assertIn((True, False), {q[1:] for q in self.queue()})
        self.assertFalse(any(n['emailed_at'] for n in
                admin.dms.dealer.notification.read(
                    [n['id'] for n in notifications], ['emailed_at'], ctx)))

        # 3. The mail server is back, a worker starts again
        sink = SMTPSink(self.smtp_port).__enter__()
        self.addCleanup(sink.__exit__, None, None, None)
        self.server.start_worker()
        wait_for(lambda: len(sink.messages) >= len(notifications), 60)
        # Long enough for a task given back twice to send twice
        time.sleep(3 * ABANDONED_AFTER)
        log = self.server.read_worker_logs()
        self.assertIn('of a dead worker given back', log)
        recipients = sorted(m['To'] for m in sink.messages)
        self.assertEqual(recipients,
            sorted(n['user.']['email'] for n in notifications), log[-3000:])
        self.assertEqual(
            len({m['Message-ID'] for m in sink.messages}),
            len(notifications))
        self.assertTrue(all(n['emailed_at'] for n in
                admin.dms.dealer.notification.read(
                    [n['id'] for n in notifications], ['emailed_at'], ctx)))
        # Every e-mail task finished
        self.assertTrue(all(q[1:] == (True, True) for q in self.queue()),
            self.queue())


@unittest.skipUnless(ON_POSTGRESQL and PG_CTLCLUSTER and os.geteuid() == 0,
    "restarts the local PostgreSQL cluster (pg_ctlcluster, as root)")
class PostgreSQLRestartTestCase(unittest.TestCase):
    "PostgreSQL restarted under load"
    PASSWORD = 'integration-secret'
    THREADS = 6

    @classmethod
    def setUpClass(cls):
        cls.server = DemoServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.server.create_user('erp', cls.PASSWORD)
        admin = cls.server.rpc(*DEMO_LOGINS['admin']).model
        admin.dms.configuration.write([1], {
                'backorder_policy': 'accept',
                'check_credit_limit': False}, {})
        products = admin.product.product.search_read(
            [('code', '!=', None), ('salable', '=', True),
                ('dms_orderable', '=', True)], 0, 2, [('code', 'ASC')],
            ['code'], {})
        cls.codes = [p['code'] for p in products]
        cls.admin = admin
        version = subprocess.run(['pg_lsclusters', '-h'],
            capture_output=True, text=True, check=True).stdout.split()[0]
        cls.cluster = version

    def order(self, reference, dealer):
        return {
            'dealer_code': dealer,
            'external_reference': reference,
            'lines': [{'product_code': c, 'quantity': 1}
                for c in self.codes],
            }

    def submit(self, proxy, order):
        "The result of the order, or the error of the call"
        try:
            result, = proxy.model.dms.order.intake.submit([order], {})
            return result
        except xmlrpc.client.Fault as fault:
            return fault
        except xmlrpc.client.ProtocolError as error:
            return error
        except OSError as error:
            return error

    def test_restart_under_load(self):
        "No partial order, clean errors, back within 10 s, nothing lost"
        dealers = [d['code'] for d in self.admin.dms.dealer.search_read(
                [('state', '=', 'active')], 0, self.THREADS,
                [('code', 'ASC')], ['code'], {})]
        stop = threading.Event()
        sent = {}
        answers = []
        pages = []
        lock = threading.Lock()

        def integrator(index):
            proxy = self.server.rpc('erp', self.PASSWORD)
            count = 0
            while not stop.is_set():
                count += 1
                reference = 'PGR-%s-%s' % (index, count)
                order = self.order(reference, dealers[index])
                answer = self.submit(proxy, order)
                with lock:
                    sent[reference] = order
                    answers.append((time.monotonic(), reference, answer))

        # Signed in before the load (a sign-in hashes the password: under
        # the load of the integrators it takes seconds)
        clients = []
        for _ in range(2):
            client = PortalClient('%s/%s/portal' % (
                    self.server.url, self.server.database))
            client.sign_in(*DEMO_LOGINS['d0001.buyer'])
            clients.append(client)

        def dealer(client):
            while not stop.is_set():
                try:
                    status, _ = client.request('/catalogue?q=A')
                except OSError as error:
                    status = error
                with lock:
                    pages.append((time.monotonic(), status))
        threads = [threading.Thread(target=integrator, args=(i,))
            for i in range(len(dealers))]
        threads.extend(threading.Thread(target=dealer, args=(client,))
            for client in clients)
        for thread in threads:
            thread.start()
        try:
            time.sleep(3)
            restart = subprocess.run(['pg_ctlcluster',
                    '--skip-systemctl-redirect', self.cluster, 'main',
                    'restart', '-m', 'fast'],
                capture_output=True, text=True)
            self.assertEqual(restart.returncode, 0, restart.stderr)
            self.assertTrue(wait_for(lambda: subprocess.run(
                        ['pg_isready', '-q', '-h', '127.0.0.1'],
                    ).returncode == 0, 30))
            up = time.monotonic()
            # The service is back within 10 s: an order is accepted
            self.assertTrue(wait_for(lambda: any(
                        t > up and isinstance(a, dict)
                        and a['status'] == 'accepted'
                        for t, _, a in list(answers)), 10, 0.05),
                "no order accepted within 10 s of the restart: %s" % [
                    (round(t - up, 2), a.get('status') if isinstance(
                            a, dict) else repr(a)[:200])
                    for t, _, a in list(answers)[-12:]])
            self.assertTrue(wait_for(lambda: any(
                        t > up and s == 200 for t, s in list(pages)),
                    10, 0.05),
                "no portal page within 10 s of the restart: %s" % sorted(
                    {str(s) for _, s in list(pages)}))
            time.sleep(2)
        finally:
            stop.set()
            for thread in threads:
                thread.join(120)

        failed = [(r, a) for _, r, a in answers if not isinstance(a, dict)]
        # Clean errors: no server error, no traceback for the integrator
        for reference, answer in failed:
            with self.subTest(reference=reference):
                if isinstance(answer, xmlrpc.client.ProtocolError):
                    self.assertEqual(answer.errcode, 503, answer)
                elif isinstance(answer, xmlrpc.client.Fault):
                    self.assertNotIn('Traceback', answer.faultString)
        self.assertTrue(all(s in {200, 503} for _, s in pages),
            ([s for _, s in pages if s not in {200, 503}],
                self.server.read_log()[-5000:]))
        self.assertNotRegex(self.server.read_log(), r'" 500 -')
        self.assertTrue(all(a['status'] == 'accepted'
                for _, _, a in answers if isinstance(a, dict)),
            [a for _, _, a in answers
                if isinstance(a, dict) and a['status'] != 'accepted'])

        # The integrators send the failed orders again: each is created
        # once, with all its lines
        proxy = self.server.rpc('erp', self.PASSWORD)
        for reference, _ in failed:
            answer = self.submit(proxy, sent[reference])
            self.assertIsInstance(answer, dict, answer)
            self.assertIn(answer['status'], {'accepted', 'duplicate'})
        sales = self.admin.sale.sale.search_read(
            [('external_reference', 'like', 'PGR-%')], 0, None, None,
            ['external_reference', 'lines'], {})
        self.assertEqual(
            sorted(s['external_reference'] for s in sales), sorted(sent))
        self.assertTrue(all(
                len(s['lines']) == len(self.codes) for s in sales))
        self.assertGreater(len(sent), 2 * len(dealers))
        print("\nPostgreSQL restart: %s orders, %s failed calls (%s), "
            "pages: %s" % (len(sent), len(failed),
                collections.Counter(type(a).__name__ for _, a in failed),
                collections.Counter(s for _, s in pages)))
