# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The channels: their secret (shown once, read by nobody), the outbox of
their signed webhooks sent to a local HTTP receiver (down, slow,
redirecting), the disabling after failures, the resending, and the sales
they report back with signed callbacks"""
import base64
import datetime as dt
import json
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

from dms_dealer.tests.tools import create_dealer
from trytond.config import config
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


class Receiver:
    """A webhook receiver on 127.0.0.1 that verifies the signatures and
    counts the webhook ids it accepted; mode: 'ok', 'slow' (answers after
    delay seconds), 'redirect' (302 to another address) or 'error' (500)"""

    def __init__(self, secret, port=0):
        self.secret = secret
        self.mode = 'ok'
        self.delay = 0
        self.accepted = Counter()
        self.payloads = {}
        self.invalid = 0
        self.requests = 0
        self.active = 0
        self.redirect_hits = 0
        self.port = port
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(
                    int(self.headers.get('Content-Length') or 0))
                if self.path == '/moved':
                    receiver.redirect_hits += 1
                    return self.answer(200)
                receiver.requests += 1
                receiver.active += 1
                try:
                    self.handle_hook(body)
                finally:
                    receiver.active -= 1

            def handle_hook(self, body):
                if receiver.mode == 'slow':
                    time.sleep(receiver.delay)
                elif receiver.mode == 'redirect':
                    self.send_response(302)
                    self.send_header('Location', 'http://127.0.0.1:%s/moved'
                        % receiver.port)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                    return
                elif receiver.mode == 'error':
                    return self.answer(500)
                try:
                    payload = Webhook(receiver.secret).verify(
                        body, dict(self.headers))
                except WebhookVerificationError:
                    receiver.invalid += 1
                    return self.answer(400)
                webhook_id = self.headers['webhook-id']
                receiver.accepted[webhook_id] += 1
                receiver.payloads[webhook_id] = payload
                self.answer(204)

            def answer(self, status):
                self.send_response(status)
                self.send_header('Content-Length', '0')
                self.end_headers()

        self.server = ThreadingHTTPServer(('127.0.0.1', self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True
            ).start()
        return self

    def wait(self, timeout=10):
        "Wait for the requests being handled (a slow one)"
        end = time.monotonic() + timeout
        while self.active and time.monotonic() < end:
            time.sleep(0.05)

    def stop(self):
        "Close the port: the sendings fail with a refused connection"
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return 'http://127.0.0.1:%s/hooks' % self.port


def signed(secret, data, timestamp=None, webhook_id=None):
    "The body (data as JSON unless bytes) and the signed headers"
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    timestamp = timestamp or dt.datetime.now(dt.timezone.utc)
    webhook_id = webhook_id or 'msg_' + uuid.uuid4().hex
    return body, {
        'webhook-id': webhook_id,
        'webhook-timestamp': str(int(timestamp.timestamp())),
        'webhook-signature': Webhook(secret).sign(
            webhook_id, timestamp, body),
        }


class ChannelTestMixin:
    "Tests of the module's channel part (run by DmsCampaignsTestCase)"

    def setup_channel(self, url=None, **values):
        """A company (the first one), a dealer, two products and a running
        campaign published to a new channel"""
        pool = Pool()
        Company = pool.get('company.company')
        Campaign = pool.get('dms.campaign')
        Channel = pool.get('dms.channel')
        Participation = pool.get('dms.campaign.participation')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        User = pool.get('res.user')
        companies = Company.search([], limit=1)
        if not companies:
            from trytond.modules.company.tests import create_company
            companies = [create_company()]
        company, = companies
        self.channel_company = company
        User.write([User(Transaction().user)], {
                'companies': [('add', [company.id])],
                'company': company.id,
                })
        # The test's receivers are on the loopback
        self.allow_private_hosts('127.0.0.1')
        tag = uuid.uuid4().hex[:6].upper()
        dealer = create_dealer(company, 'CH%s' % tag)
        unit, = Uom.search([('name', '=', 'Unit')])
        with Transaction().set_context(company=company.id):
            templates = Template.create([{
                        'name': name,
                        'type': 'goods',
                        'salable': True,
                        'list_price': Decimal(100),
                        'default_uom': unit.id,
                        'sale_uom': unit.id,
                        'code': '%s-%s' % (code, tag),
                        'products': [('create', [{}])],
                        } for code, name in [('TV', "Television"),
                        ('RD', "Radio")]])
        channel, = Channel.create([{
                    'company': company.id,
                    'name': "Shop %s" % tag,
                    'url': url,
                    **values,
                    }])
        today = dt.date.today()
        campaign, = Campaign.create([{
                    'company': company.id,
                    'name': "Channel campaign %s" % tag,
                    'start_date': today - dt.timedelta(days=1),
                    'end_date': today + dt.timedelta(days=30),
                    'budget': Decimal(1000),
                    'discount': Decimal('0.1'),
                    'products': [('add', [
                                t.products[0].id for t in templates])],
                    'channels': [('add', [channel.id])],
                    }])
        Participation.create([{
                    'campaign': campaign.id,
                    'dealer': dealer.id,
                    'state': 'approved',
                    }])
        # Running, without its workflow (promotion, monitoring), which the
        # channels do not need
        table = Campaign.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.state], ['running'],
                where=table.id == campaign.id))
        # (the records read before the update are read again)
        Transaction().cache.clear()
        self.channel_dealer = dealer
        self.channel_products = [t.products[0] for t in templates]
        return Channel(channel.id), Campaign(campaign.id)

    def allow_private_hosts(self, hosts):
        "Allow the webhooks to the private addresses of hosts, for the test"
        if not config.has_section('dms_campaigns'):
            config.add_section('dms_campaigns')
        previous = config.get(
            'dms_campaigns', 'webhook_private_hosts', default='')
        config.set('dms_campaigns', 'webhook_private_hosts', hosts)
        self.addCleanup(config.set,
            'dms_campaigns', 'webhook_private_hosts', previous)

    @with_transaction()
    def test_channel_address(self):
        """Test a channel's URL is the http(s) address of a host, and that
        its webhooks are not sent to a private address unless allowed"""
        pool = Pool()
        Channel = pool.get('dms.channel')
        Delivery = pool.get('dms.channel.delivery')
        channel, campaign = self.setup_channel()
        for url in ['ftp://example.com/hooks',
                'http://user:secret@example.com/hooks',
                'example.com/hooks', 'http:///hooks',
                'http://example.com:99999/hooks']:
            with self.subTest(url=url):
                with self.assertRaisesRegex(
                        UserError, "not the http or https address"):
                    Channel.write([channel], {'url': url})
        receiver = Receiver(channel.secret).start()
        self.addCleanup(receiver.stop)
        Channel.write([channel], {'url': receiver.url})
        Channel.publish([campaign], 'campaign.published')
        delivery, = Delivery.search([('channel', '=', channel.id)])
        # Production: the loopback is refused, nothing is sent
        self.allow_private_hosts('')
        status, error = delivery._post()
        self.assertIsNone(status)
        self.assertIn("private, loopback or reserved address 127.0.0.1",
            error)
        self.assertEqual(receiver.accepted, Counter())
        # A development machine allows its receivers
        self.allow_private_hosts('localhost, 127.0.0.1')
        self.assertEqual(delivery._post(), (204, None))
        self.assertEqual(receiver.accepted, Counter({delivery.webhook_id: 1}))

    @with_transaction()
    def test_channel_secret(self):
        """Test a channel's secret is in the Standard Webhooks format,
        read by nobody over RPC and shown once to a manager"""
        pool = Pool()
        Channel = pool.get('dms.channel')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Secret = pool.get('dms.channel.secret', type='wizard')
        channel, _ = self.setup_channel('http://127.0.0.1:1/')
        secret = channel.secret
        self.assertTrue(secret.startswith('whsec_'))
        self.assertEqual(len(base64.b64decode(secret[len('whsec_'):])), 32)
        copy, = Channel.copy([channel])
        self.assertNotEqual(copy.secret, secret)
        self.assertFalse(copy.secret_shown)

        manager, user, linked = User.create([{
                    'login': 'channel %s %s' % (xml_id, dealer),
                    'groups': [('add', [
                                ModelData.get_id('dms_dealer', xml_id)])],
                    'companies': [('add', [self.channel_company.id])],
                    'company': self.channel_company.id,
                    'dealer': dealer,
                    } for xml_id, dealer in [
                    ('group_dms_manager', None), ('group_dms_user', None),
                    ('group_dms_user', self.channel_dealer.id)]])

        def run_wizard(state='start', data=None):
            session_id, _, _ = Secret.create()
            with Transaction().set_context(
                    active_model='dms.channel', active_id=channel.id,
                    active_ids=[channel.id]):
                result = Secret.execute(session_id, data or {}, state)
            Secret.delete(session_id)
            return result

        with Transaction().set_user(manager.id), \
                Transaction().set_context(_check_access=True):
            self.assertNotIn('secret', Channel.fields_get())
            with self.assertRaises(AccessError):
                Channel.read([channel.id], ['secret'])
            with self.assertRaises(AccessError):
                Channel.search([('secret', '=', secret)])
            with self.assertRaises(AccessError):
                Channel.write([channel], {'secret': 'whsec_AAAA'})
            # The first time, the secret is shown
            result = run_wizard()
            self.assertEqual(result['view']['state'], 'show')
            self.assertEqual(result['view']['defaults']['secret'], secret)
            # Then only renewed, after a confirmation
            result = run_wizard()
            self.assertEqual(result['view']['state'], 'confirm')
            # Asking for the view of the secret shows nothing
            result = run_wizard('show')
            self.assertIsNone(result['view']['defaults']['secret'])
            result = run_wizard('renew')
            renewed = result['view']['defaults']['secret']
            self.assertTrue(renewed.startswith('whsec_'))
            self.assertNotEqual(renewed, secret)
        self.assertEqual(Channel(channel.id).secret, renewed)
        # A user of a dealer sees no channel
        with Transaction().set_user(linked.id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(Channel.search([]), [])
        # A DMS user reads the channel but not its secret and cannot renew
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            Channel.read([channel.id], ['name'])
            with self.assertRaises(AccessError):
                Channel.read([channel.id], ['secret'])
            with self.assertRaises(AccessError):
                run_wizard('renew')
        self.assertEqual(Channel(channel.id).secret, renewed)

    @with_transaction()
    def test_channel_publish(self):
        """Test publishing writes one pending delivery per active channel
        with the campaign's JSON and sends nothing"""
        pool = Pool()
        Channel = pool.get('dms.channel')
        Delivery = pool.get('dms.channel.delivery')
        CampaignChannel = pool.get('dms.campaign-dms.channel')
        channel, campaign = self.setup_channel('http://127.0.0.1:1/')
        inactive, = Channel.create([{
                    'company': self.channel_company.id,
                    'name': "Closed shop", 'url': 'http://127.0.0.1:1/',
                    }])
        CampaignChannel.create([{
                    'campaign': campaign.id, 'channel': inactive.id}])
        Channel.write([inactive], {'active': False})
        Channel.publish([campaign], 'campaign.published')
        Channel.publish([campaign], 'campaign.updated')
        deliveries = Delivery.search([('campaign', '=', campaign.id)],
            order=[('id', 'ASC')])
        self.assertEqual(
            [(d.channel, d.event, d.state, d.attempts) for d in deliveries],
            [(channel, 'campaign.published', 'pending', 0),
                (channel, 'campaign.updated', 'pending', 0)])
        self.assertNotEqual(
            deliveries[0].webhook_id, deliveries[1].webhook_id)
        self.assertTrue(deliveries[0].webhook_id.startswith('msg_'))
        payload = json.loads(deliveries[0].payload)
        self.assertEqual(payload['type'], 'campaign.published')
        data = payload['data']
        self.assertEqual(data['id'], campaign.id)
        self.assertEqual(data['name'], campaign.name)
        self.assertEqual(data['state'], 'running')
        self.assertEqual(data['discount'], '0.1')
        self.assertEqual(data['start_date'], campaign.start_date.isoformat())
        self.assertEqual(
            sorted(p['code'] for p in data['products']),
            sorted(p.code for p in self.channel_products))
        self.assertEqual(data['dealers'], [self.channel_dealer.code])

    @with_transaction()
    def test_channel_webhooks(self):
        """Test the webhooks reach a local receiver signed, that a receiver
        down, slow or redirecting makes retries until each arrives once,
        that a run of failures disables the channel and that a resend keeps
        the webhook id"""
        pool = Pool()
        Channel = pool.get('dms.channel')
        Delivery = pool.get('dms.channel.delivery')
        transaction = Transaction()
        channel, campaign = self.setup_channel(
            timeout=1, failure_limit=4)
        receiver = Receiver(channel.secret).start()
        self.addCleanup(receiver.stop)
        Channel.write([channel], {'url': receiver.url})
        # The webhooks are sent by the scheduled job, each delivery in a
        # transaction of its own: the test's records must be committed
        transaction.commit()
        self.addCleanup(self.cleanup_channel, channel.id, campaign.id)

        def run(due=True):
            "Run the scheduled job (with the pending deliveries due now)"
            if due:
                pending = Delivery.search([
                        ('channel', '=', channel.id),
                        ('state', '=', 'pending')])
                Delivery.write(pending, {
                        'next_attempt': dt.datetime.now()
                        - dt.timedelta(seconds=1)})
            transaction.commit()
            Delivery.send_due()
            transaction.commit()
            return Delivery.search([('channel', '=', channel.id)],
                order=[('id', 'ASC')])

        # Published: received and verified
        Channel.publish([campaign], 'campaign.published')
        first, = run(due=False)
        self.assertEqual(first.state, 'sent')
        self.assertEqual(first.attempts, 1)
        self.assertEqual(first.last_status, 204)
        self.assertEqual(receiver.accepted, Counter({first.webhook_id: 1}))
        self.assertEqual(receiver.invalid, 0)
        self.assertEqual(
            receiver.payloads[first.webhook_id]['data']['id'], campaign.id)
        # Nothing more is sent
        run()
        self.assertEqual(receiver.accepted, Counter({first.webhook_id: 1}))

        # Two workers never send the same delivery: one holds it (until its
        # transaction ends), the other skips it
        if transaction.database.has_select_for():
            Channel.publish([campaign], 'campaign.updated')
            transaction.commit()
            locked, = Delivery.search([
                    ('channel', '=', channel.id),
                    ('state', '=', 'pending')])
            now = dt.datetime.now()
            with transaction.new_transaction() as worker1:
                self.assertTrue(Delivery._claim(locked.id, now))
                with transaction.new_transaction():
                    self.assertIsNone(Delivery._send_one(locked.id, now))
                worker1.rollback()
            run(due=False)
            self.assertEqual(receiver.accepted[locked.webhook_id], 1)

        # The receiver is down: the deliveries wait with a back-off
        receiver.stop()
        known = {d.id for d in Delivery.search([
                    ('channel', '=', channel.id)])}
        Channel.publish([campaign], 'campaign.updated')
        Channel.publish([campaign], 'campaign.updated')
        before = dt.datetime.now()
        second, third = [d for d in run(due=False) if d.id not in known]
        self.assertEqual(second.state, 'pending')
        self.assertEqual(second.attempts, 1)
        self.assertIsNone(second.last_status)
        self.assertTrue(second.last_error)
        # 30 s for the first retry, half of it drawn at random
        self.assertGreaterEqual(
            second.next_attempt, before + dt.timedelta(seconds=14))
        self.assertLessEqual(
            second.next_attempt, dt.datetime.now() + dt.timedelta(seconds=31))
        # The other delivery of the failing channel waits for the next run
        self.assertEqual(third.attempts, 0)
        self.assertEqual(Channel(channel.id).failures, 1)
        run()
        self.assertEqual(Channel(channel.id).failures, 2)
        # Back: every delivery arrives, none twice
        receiver.start()
        deliveries = run()
        self.assertEqual({d.state for d in deliveries}, {'sent'})
        self.assertEqual(receiver.accepted,
            Counter({d.webhook_id: 1 for d in deliveries}))
        self.assertEqual(Channel(channel.id).failures, 0)
        self.assertEqual(Delivery(second.id).attempts, 3)

        # Slow: a timeout is a failure, retried
        receiver.mode, receiver.delay = 'slow', 1.5
        Channel.publish([campaign], 'campaign.updated')
        *_, slow = run()
        self.assertEqual(slow.state, 'pending')
        self.assertIn("1 seconds", slow.last_error)
        # A redirection is a failure, not followed
        receiver.mode = 'redirect'
        *_, slow = run()
        self.assertEqual(slow.state, 'pending')
        self.assertEqual(slow.last_status, 302)
        self.assertIn('/moved', slow.last_error)
        self.assertEqual(receiver.redirect_hits, 0)
        self.assertEqual(Channel(channel.id).failures, 2)
        # A run of failures disables the channel
        receiver.mode = 'error'
        run()
        *_, slow = run()
        self.assertEqual(slow.last_status, 500)
        channel = Channel(channel.id)
        self.assertEqual(channel.state, 'disabled')
        self.assertEqual(channel.failures, 4)
        self.assertIn("4", channel.disabled_reason)
        self.assertIn("500", channel.disabled_reason)
        requests = receiver.requests
        run()
        self.assertEqual(receiver.requests, requests)
        # Enabled again: the waiting delivery is due at once
        receiver.mode = 'ok'
        Channel.enable([channel])
        *_, slow = run(due=False)
        self.assertEqual(slow.state, 'sent')
        self.assertEqual(slow.attempts, 5)
        # The receiver handled the slow one too, after the sender had given
        # up waiting: it got its webhook id twice (and drops the repeat)
        receiver.wait()
        self.assertEqual(receiver.accepted[slow.webhook_id], 2)

        # Resent by hand: the same webhook id
        Delivery.resend([first])
        first, *_ = run(due=False)
        self.assertEqual(first.state, 'sent')
        self.assertEqual(receiver.accepted[first.webhook_id], 2)
        self.assertEqual(len(receiver.accepted), len(deliveries) + 1)

        # Giving up after the maximum of attempts
        receiver.mode = 'error'
        Channel.write([channel], {'failure_limit': 100})
        Channel.publish([campaign], 'campaign.ended')
        for _ in range(Delivery.MAX_ATTEMPTS):
            *_, last = run()
        self.assertEqual(last.state, 'failed')
        self.assertEqual(last.attempts, Delivery.MAX_ATTEMPTS)
        self.assertIsNone(last.next_attempt)
        run()
        self.assertEqual(Delivery(last.id).attempts, Delivery.MAX_ATTEMPTS)

    def test_channel_callback(self):
        """Test the signed callback of a channel's sales through the route:
        stored once however often it is sent; forged, old, malformed or
        misdirected callbacks refused with a JSON error, storing nothing"""
        from werkzeug.test import Client

        from trytond.tests.test_tryton import CONTEXT, DB_NAME
        from trytond.wsgi import app

        # The route opens its own transactions: the records are committed
        # (and removed at the end)
        with Transaction().start(DB_NAME, 1, context=CONTEXT) as transaction:
            pool = Pool()
            Channel = pool.get('dms.channel')
            channel, campaign = self.setup_channel('http://127.0.0.1:1/')
            other, other_campaign = self.setup_channel(
                'http://127.0.0.1:1/')
            secret, other_secret = channel.secret, other.secret
            channel_id, campaign_id = channel.id, campaign.id
            other_id, other_campaign_id = other.id, other_campaign.id
            currency = self.channel_company.currency.code
            dealer = self.channel_dealer.code
            product = self.channel_products[0].code
            transaction.commit()
        self.addCleanup(self.cleanup_channel, channel_id, campaign_id)
        self.addCleanup(self.cleanup_channel, other_id, other_campaign_id)
        client = Client(app)

        def post(data, secret=secret, channel=channel_id, **kwargs):
            body, headers = signed(secret, data, **kwargs)
            response = client.post(
                '/%s/dms/channels/%s/sales' % (DB_NAME, channel),
                data=body, headers=headers)
            return response.status_code, (
                response.get_json() if response.is_json
                else response.get_data(as_text=True))

        def sales():
            with Transaction().start(DB_NAME, 1, context=CONTEXT):
                Sale = Pool().get('dms.channel.sale')
                return [(s.channel.id, s.external_id, s.amount, s.quantity,
                        s.dealer and s.dealer.code)
                    for s in Sale.search([
                            ('channel', 'in', [channel_id, other_id])],
                        order=[('id', 'ASC')])]

        sale = {
            'id': 'ORDER-1', 'campaign': campaign_id,
            'date': dt.date.today().isoformat(), 'amount': '199.90',
            'currency': currency, 'quantity': 2, 'product': product,
            'dealer': dealer,
            }
        status, answer = post(sale)
        self.assertEqual(status, 201, answer)
        self.assertEqual(answer['external_id'], 'ORDER-1')
        self.assertFalse(answer['duplicate'])
        stored = [(channel_id, 'ORDER-1', Decimal('199.90'), 2.0, dealer)]
        self.assertEqual(sales(), stored)
        # Replayed (the same request) or sent again: the same sale
        body, headers = signed(secret, sale)
        for _ in range(2):
            response = client.post(
                '/%s/dms/channels/%s/sales' % (DB_NAME, channel_id),
                data=body, headers=headers)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.get_json()['id'], answer['id'])
            self.assertTrue(response.get_json()['duplicate'])
        self.assertEqual(post(sale)[0], 200)
        self.assertEqual(sales(), stored)

        old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=6)
        new = dict(sale, id='ORDER-2')
        for kwargs, expected in [
                # Forged: signed with another secret, or no signature
                (dict(secret=other_secret), 401),
                (dict(timestamp=old), 401),
                (dict(channel=10 ** 9), 404),
                (dict(channel=10 ** 12), 404),
                ]:
            with self.subTest(**{k: str(v) for k, v in kwargs.items()}):
                status, answer = post(new, **kwargs)
                self.assertEqual(status, expected)
                self.assertTrue(answer['error'])
        response = client.post(
            '/%s/dms/channels/%s/sales' % (DB_NAME, channel_id),
            data=json.dumps(new))
        self.assertEqual(response.status_code, 401)
        self.assertIn('signature', response.get_json()['error'])
        status, answer = post(new, timestamp=old)
        self.assertIn('5 minutes', answer['error'])
        for data, expected in [
                (b'{not json', 400),
                (b'[1, 2]', 400),
                (dict(new, campaign=other_campaign_id), 422),
                (dict(new, campaign='x'), 422),
                (dict(new, amount='abc'), 422),
                (dict(new, amount='NaN'), 422),
                (dict(new, date='2026-13-01'), 422),
                (dict(new, currency='XXX'), 422),
                (dict(new, product='NO-SUCH'), 422),
                (dict(new, dealer='NO-SUCH'), 422),
                (dict(new, id=''), 422),
                (dict(new, id='x' * 101), 422),
                ]:
            with self.subTest(data=data):
                status, answer = post(data)
                self.assertEqual(status, expected, answer)
                self.assertTrue(answer['error'])
        self.assertEqual(sales(), stored)
        # A disabled channel reports nothing
        with Transaction().start(DB_NAME, 1, context=CONTEXT) as transaction:
            Channel = Pool().get('dms.channel')
            Channel.write([Channel(channel_id)], {'state': 'disabled'})
            transaction.commit()
        self.assertEqual(post(new)[0], 403)
        with Transaction().start(DB_NAME, 1, context=CONTEXT) as transaction:
            Channel = Pool().get('dms.channel')
            Channel.enable([Channel(channel_id)])
            transaction.commit()
        self.assertEqual(post(dict(new, dealer=None))[0], 201)
        self.assertEqual(sales(), stored + [
                (channel_id, 'ORDER-2', Decimal('199.90'), 2.0, None)])
        # The sums per channel
        with Transaction().start(DB_NAME, 1, context=CONTEXT):
            Channel = Pool().get('dms.channel')
            self.assertEqual(Channel.sales_by_channel(campaign_id), {
                    channel_id: {
                        'amount': Decimal('399.80'), 'quantity': 4.0,
                        'count': 2}})

    def cleanup_channel(self, channel_id, campaign_id):
        """Remove the records the test committed (with SQL: a campaign
        that has run and its participations are not deleted otherwise)"""
        with Transaction().start(self._db_name(), 0) as transaction:
            pool = Pool()
            cursor = transaction.connection.cursor()
            for name, column, id_ in [
                    ('dms.channel.sale', 'channel', channel_id),
                    ('dms.channel.delivery', 'channel', channel_id),
                    ('dms.campaign.participation', 'campaign', campaign_id),
                    ('dms.campaign-dms.channel', 'campaign', campaign_id),
                    ('dms.campaign-product.product', 'campaign',
                        campaign_id),
                    ('dms.campaign', 'id', campaign_id),
                    ('dms.channel', 'id', channel_id),
                    ]:
                table = pool.get(name).__table__()
                cursor.execute(*table.delete(
                        where=getattr(table, column) == id_))
            transaction.commit()

    @staticmethod
    def _db_name():
        from trytond.tests.test_tryton import DB_NAME
        return DB_NAME
