# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""`make run` (tools/run.py) runs the demo as production does: the web
server, the scheduler, on PostgreSQL the queue worker, and a mail catcher
whose mails a person reads in the browser and which receives the webhooks
of the demo's channel; stopping it stops them all."""
import base64
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import uuid
import xmlrpc.client

from tests.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.fixtures import (
    CONFIG, DEMO_LOGINS, ROOT, _backend, _env, _pg_demo_template, _pg_uri,
    _psql, _sqlite_demo_file, free_port)

PYTHON = sys.executable
RUN = os.path.join(ROOT, 'tools', 'run.py')


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode('utf-8')


def wait(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.5)


class RunTestCase(unittest.TestCase):
    "tools/run.py on its own copy of the demo, on free ports"

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix='dms-run-')
        cls.addClassCleanup(shutil.rmtree, cls.folder, ignore_errors=True)
        cls.port, cls.smtp, cls.mail_port = (
            free_port(), free_port(), free_port())
        env = {'TRYTOND_WEB__LISTEN': '127.0.0.1:%s' % cls.port,
            'TRYTOND_DMS_PORTAL__BASE_URL': 'http://127.0.0.1:%s' % cls.port,
            'TRYTOND_DATABASE__PATH': cls.folder}
        if _backend() == 'postgresql':
            cls.database = 'dmsrun_%s_%s' % (os.getpid(), cls.port)
            _psql('CREATE DATABASE "%s" TEMPLATE "%s"' % (
                    cls.database, _pg_demo_template()))
            cls.addClassCleanup(_psql,
                'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % cls.database)
            env['TRYTOND_DATABASE__URI'] = _pg_uri()
        else:
            cls.database = 'dms_run'
            shutil.copy(_sqlite_demo_file(),
                os.path.join(cls.folder, 'dms_run.sqlite'))
        # The demo's channel posts to the catcher's default address: to
        # this run's catcher instead (never to another run's)
        sql = ("UPDATE dms_channel SET url = REPLACE(url, "
            "'//127.0.0.1:8025/', '//127.0.0.1:%s/')" % cls.mail_port)
        if _backend() == 'postgresql':
            _psql(sql, cls.database)
        else:
            with sqlite3.connect(os.path.join(
                        cls.folder, 'dms_run.sqlite')) as connection:
                connection.execute(sql)
            connection.close()
        cls.url = 'http://127.0.0.1:%s' % cls.port
        cls.mail_url = 'http://127.0.0.1:%s' % cls.mail_port
        cls.log_path = os.path.join(cls.folder, 'run.log')
        cls.log = open(cls.log_path, 'w')
        cls.addClassCleanup(cls.log.close)
        cls.process = subprocess.Popen([PYTHON, RUN, '-d', cls.database,
                '--smtp', '127.0.0.1:%s' % cls.smtp,
                '--mail-web', '127.0.0.1:%s' % cls.mail_port,
                '--data', cls.folder],
            env=_env(CONFIG, **env), stdout=cls.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        cls.addClassCleanup(cls.kill)
        try:
            wait(lambda: cls.process.poll() is not None
                or 'The DMS demo runs' in cls.read_log(), 120,
                "tools/run.py did not start")
            if cls.process.poll() is not None:
                raise AssertionError("tools/run.py stopped")
        except AssertionError as exception:
            raise AssertionError('%s:\n%s' % (exception, cls.read_log()))

    @classmethod
    def kill(cls):
        if cls.process.poll() is None:
            os.killpg(cls.process.pid, signal.SIGKILL)
            cls.process.wait()

    @classmethod
    def read_log(cls):
        with open(cls.log_path) as fp:
            return fp.read()

    def admin(self):
        "The admin's XML-RPC proxy, signed in with a session"
        url = '%s/%s/rpc/' % (self.url, self.database)
        login, password = DEMO_LOGINS['admin']
        user_id, session = xmlrpc.client.ServerProxy(url).common.db.login(
            login, {'password': password}, 'en')[:2]
        token = base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()
        return xmlrpc.client.ServerProxy(url, allow_none=True,
            headers=[('Authorization', 'Session ' + token)]).model

    def children(self):
        "The pids of the processes started by tools/run.py"
        pids = []
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as fp:
                    args = fp.read().decode('utf-8', 'replace')
            except OSError:
                continue
            # Their arguments name the run's folder (configuration, mails)
            if self.folder in args and int(pid) != self.process.pid:
                pids.append(int(pid))
        return pids

    def post_webhook(self, name, body, headers):
        "The status of a webhook posted to the catcher"
        request = urllib.request.Request(
            self.mail_url + '/webhooks/' + name, data=body,
            headers=headers, method='POST')
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def check_webhooks(self, admin):
        """The scheduler sent the demo's webhooks to the catcher, which
        verified their signatures and lists them; it refuses a wrong
        signature, a body that is not JSON and another Host"""
        def sent():
            deliveries = admin.dms.channel.delivery.search_read(
                [], 0, None, None,
                ['state', 'webhook_id', 'event', 'last_error'], {})
            if all(d['state'] == 'sent' for d in deliveries):
                return deliveries
        deliveries = wait(sent, 120, "the webhooks were not sent:\n%s" % (
                admin.dms.channel.delivery.search_read(
                    [], 0, None, None, ['state', 'last_error'], {}),))
        self.assertEqual(len(deliveries), 3)
        _, body = get(self.mail_url + '/api/webhooks')
        hooks = json.loads(body)
        self.assertEqual(
            sorted(h['headers']['webhook-id'] for h in hooks),
            sorted(d['webhook_id'] for d in deliveries))
        self.assertEqual({(h['name'], h['verified'], h['status'])
                for h in hooks}, {('tmall', True, 204)})
        _, page = get(self.mail_url + '/webhooks')
        self.assertIn('campaign.ended', page)
        self.assertIn('signature verified', page)
        published = next(h for h in hooks
            if 'campaign.published' in h['body']
            and 'Summer cooling days' in h['body'])
        _, page = get(self.mail_url + '/webhook/' + published['id'])
        self.assertIn('Summer cooling days', page)

        sys.path.insert(0, os.path.join(ROOT, 'tools'))
        try:
            from mailcatcher import DEMO_WEBHOOK_SECRETS
            from standardwebhooks import Webhook
        finally:
            sys.path.pop(0)
        body = json.dumps({'type': 'campaign.updated', 'data': {}}).encode()
        webhook_id = 'msg_' + uuid.uuid4().hex
        now = dt.datetime.now(dt.timezone.utc)
        headers = {'Content-Type': 'application/json',
            'webhook-id': webhook_id,
            'webhook-timestamp': str(int(now.timestamp())),
            'webhook-signature': Webhook(DEMO_WEBHOOK_SECRETS['tmall']).sign(
                webhook_id, now, body)}
        self.assertEqual(self.post_webhook('tmall', body, headers), 204)
        wrong = Webhook('whsec_' + base64.b64encode(b'x' * 32).decode())
        self.assertEqual(self.post_webhook('tmall', body, dict(headers, **{
                        'webhook-signature': wrong.sign(
                            webhook_id, now, body)})), 401)
        self.assertEqual(self.post_webhook('tmall', b'a=b', dict(headers, **{
                        'Content-Type':
                        'application/x-www-form-urlencoded'})), 415)
        self.assertEqual(self.post_webhook('tmall', body, dict(
                    headers, Host='attacker.example:%s' % self.mail_port)),
            403)
        _, body = get(self.mail_url + '/api/webhooks')
        hooks = json.loads(body)
        # The refused signature is listed as refused; the others not kept
        self.assertEqual(len(hooks), len(deliveries) + 2)
        self.assertEqual([(h['verified'], h['status']) for h in hooks[:2]],
            [(False, 401), (True, 204)])

    def test_demo_runs_as_in_production(self):
        """The scheduler runs, mails are caught and readable, the channel's
        webhooks are sent and listed, Ctrl-C stops all"""
        status, _ = get(self.url + '/%s/portal/login' % self.database)
        self.assertEqual(status, 200)
        log = self.read_log()
        self.assertIn('/%s/portal/' % self.database, log)
        self.assertIn(self.mail_url, log)
        with open(os.path.join(
                    self.folder, 'run-%s.conf' % self.database)) as fp:
            run_config = fp.read()
        self.assertIn('smtp://127.0.0.1:%s' % self.smtp, run_config)

        # The scheduler: each DMS scheduled action runs (its next call was
        # empty in the demo) and logs its run
        admin = self.admin()
        # The DMS's own and the stock assignment dms_orders schedules
        cron_ids = admin.ir.cron.search(['OR',
                ('method', 'like', 'dms.%'),
                ('method', '=', 'ir.cron|stock_shipment_assign_try'),
                ], 0, None, None, {})
        self.assertGreaterEqual(len(cron_ids), 4, cron_ids)

        def ran():
            crons = admin.ir.cron.read(
                cron_ids, ['method', 'next_call', 'logs'], {})
            return all(c['next_call'] and c['logs'] for c in crons)
        wait(ran, 120, "the DMS scheduled actions did not run:\n%s"
            % self.read_log())

        self.check_webhooks(admin)

        # The queue: on PostgreSQL a worker runs it
        if _backend() == 'postgresql':
            self.assertIn('worker = True', run_config)
            self.assertTrue(any('trytond-worker' in open(
                            '/proc/%s/cmdline' % pid).read()
                    for pid in self.children()))

        # A mail leaves: a dealer asks for a new password on the portal;
        # the mail is on the catcher's page, with the link
        from playwright.sync_api import sync_playwright
        email = DEMO_LOGINS['d0001.buyer'][0]
        with sync_playwright() as playwright:
            client = playwright.request.new_context(max_redirects=0)
            portal = '%s/%s/portal' % (self.url, self.database)
            client.get(portal + '/reset-password')
            csrf = {c['name']: c['value']
                for c in client.storage_state()['cookies']}.get(
                'dms_portal_csrf', '')
            response = client.post(portal + '/reset-password',
                form={'csrf_token': csrf, 'email': email})
            self.assertEqual(response.status, 303)
            client.dispose()

        def caught():
            _, body = get(self.mail_url + '/api/mails')
            return [m for m in json.loads(body) if email in m['to']]
        mail, = wait(caught, 30, "no mail caught:\n%s" % self.read_log())
        self.assertIn('/%s/portal/reset-password/confirm' % self.database,
            mail['html'] or mail['text'])
        # A person reads it in the browser: the list, then the mail with its
        # HTML in a sandboxed frame (no script of a mail runs)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(
                    viewport={'width': 1000, 'height': 640})
                page.goto(self.mail_url + '/')
                page.get_by_role('link', name=mail['subject']).click()
                page.wait_for_url('**/mail/%s' % mail['id'])
                self.assertIn(email, page.locator('dl.meta').inner_text())
                self.assertEqual(
                    page.locator('iframe').get_attribute('sandbox'), '')
                link = page.frame_locator('iframe').locator(
                    'a[href*="reset-password/confirm"]')
                link.first.wait_for()
                path = os.path.join(SCREENSHOTS, 'mailcatcher.png')
                if os.environ.get('DMS_SCREENSHOTS') == '1' \
                        or not os.path.exists(path):
                    page.screenshot(path=path)
            finally:
                browser.close()
        # Only its own mails: no path out of the folder
        sys.path.insert(0, os.path.join(ROOT, 'tools'))
        try:
            from mailcatcher import Box
        finally:
            sys.path.pop(0)
        box = Box(os.path.join(self.folder, 'mail'))
        self.assertIsNotNone(box.read(mail['id']))
        for name in ['../run-%s.conf' % self.database, '../../etc/passwd',
                mail['id'] + '/../' + mail['id']]:
            self.assertIsNone(box.read(name))
        # Never to a page of another site that names the loopback (DNS
        # rebinding): the Host must be the loopback
        request = urllib.request.Request(self.mail_url + '/api/mails',
            headers={'Host': 'attacker.example:%s' % self.mail_port})
        with self.assertRaises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=5)
        self.assertEqual(error.exception.code, 403)
        # Nor beyond the loopback
        result = subprocess.run([PYTHON, os.path.join(
                    ROOT, 'tools', 'mailcatcher.py'), '--web', '0.0.0.0:0',
                '--folder', self.folder], capture_output=True, text=True,
            timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('loopback only', result.stderr)

        # Ctrl-C (SIGINT to tools/run.py) stops every process it started
        children = self.children()
        self.assertGreaterEqual(len(children), 3, children)
        self.process.send_signal(signal.SIGINT)
        self.assertEqual(self.process.wait(30), 0)
        for pid in children:
            self.assertFalse(os.path.exists('/proc/%s' % pid)
                and 'zombie' not in open('/proc/%s/status' % pid).read()
                .lower(), "process %s still runs" % pid)
        with self.assertRaises(OSError):
            get(self.url + '/', timeout=2)
        with self.assertRaises(OSError):
            get(self.mail_url + '/', timeout=2)
