# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Factory–dealer communication over real HTTP requests: bulletins to an
audience with receipts, acknowledgements and reminders, price changes,
market feedback, the conversation panel, the inbox and its e-mails"""
import datetime as dt
import os
import re
from decimal import Decimal
from email.header import decode_header, make_header
from http import HTTPStatus

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase
from trytond.transaction import Transaction
from trytond.worker import run_task

import dms_portal
from dms_dealer.tests.tools import create_dealer, create_tier
from dms_portal.tests.tools import PortalClientMixin, SMTPSink

PASSWORD = 'portal-secret-1'
ADMIN = 1
PNG = b'\x89PNG\r\n\x1a\n' + b'\0' * 64
XSS = '<script>alert("x")</script>'


class CommunicationTestCase(PortalClientMixin, RouteTestCase):
    "Test bulletins, feedback, chat and the inbox in the portal"
    module = 'dms_communication'
    password = PASSWORD

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        WebUser = pool.get('web.user')
        Territory = pool.get('dms.territory')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        Sale = pool.get('sale.sale')
        company = create_company()
        cls.company = company.id
        with set_company(company):
            gold = create_tier(company, 'GOLD')
            silver = create_tier(company, 'SILVER')
            cls.gold, cls.silver = gold.id, silver.id
            zhejiang, jiangsu = Territory.create([
                    {'name': "Zhejiang", 'code': 'ZJ', 'level': 'province',
                        'children': [('create', [{
                                        'name': "Hangzhou", 'code': 'HZ',
                                        'level': 'city'}])]},
                    {'name': "Jiangsu", 'code': 'JS', 'level': 'province'},
                    ])
            cls.zhejiang = zhejiang.id
            hangzhou, = zhejiang.children
            dealer_a = create_dealer(
                company, 'A', tier=gold, territory=hangzhou.id)
            dealer_b = create_dealer(
                company, 'B', tier=silver, territory=jiangsu.id)
            Dealer.activate([dealer_a, dealer_b])
            cls.dealer_a, cls.dealer_b = dealer_a.id, dealer_b.id
            WebUser.create([{
                        'email': email, 'password': PASSWORD,
                        'dealer': dealer.id, 'dealer_role': role,
                        } for email, dealer, role in [
                        ('buyer@a.example.com', dealer_a, 'buyer'),
                        ('viewer@a.example.com', dealer_a, 'viewer'),
                        ('buyer@b.example.com', dealer_b, 'buyer')]])
            unit, = Uom.search([('name', '=', "Unit")])
            template, hidden = Template.create([{
                        'name': name, 'code': code, 'type': 'goods',
                        'salable': salable, 'list_price': Decimal(100),
                        'default_uom': unit.id, 'sale_uom': unit.id,
                        'products': [('create', [{}])],
                        } for name, code, salable in [
                        ("Air Conditioner", 'AC-1', True),
                        ("Internal Part", 'PART-1', False)]])
            cls.product = template.products[0].id
            orders = Sale.create([{
                        'party': dealer.party.id,
                        'reference': 'OPEN-%s' % dealer.code,
                        'lines': [('create', [{
                                        'product': cls.product,
                                        'quantity': 2,
                                        'unit': unit.id,
                                        'unit_price': Decimal(90),
                                        }])],
                        } for dealer in [dealer_a, dealer_b]])
            Sale.write(orders, {'state': 'quotation'})
            cls.order_a, cls.order_b = [o.id for o in orders]
        # The messages of the portal in Chinese, for the users who read it
        # in Chinese
        Lang = pool.get('ir.lang')
        Translation = pool.get('ir.translation')
        zh, = Lang.search([('code', '=', 'zh_CN')])
        Lang.write([zh], {'translatable': True})
        Translation.translation_import('zh_CN', 'dms_portal', os.path.join(
                os.path.dirname(dms_portal.__file__), 'locale', 'zh_CN.po'))

    @classmethod
    def setUpClass(cls):
        # Every e-mail goes to a local sink (tests look at their own)
        cls.smtp = SMTPSink().__enter__()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.smtp.__exit__(None, None, None)

    def staff(self, func):
        """Run func() in a committed transaction of the factory's
        administrator, then the tasks it queued (e-mails)"""
        with Transaction().start(self.db_name, ADMIN) as transaction, \
                transaction.set_context(company=self.company,
                    companies=[self.company]):
            result = func()
            transaction.commit()
            tasks = list(transaction.tasks)
            transaction.tasks.clear()
        for task in tasks:
            run_task(self.db_name, task)
        return result

    def unread(self, client, name='unread-bulletins'):
        "The number of unread bulletins (or notifications) of the home page"
        home = client.get(self.url()).get_data(as_text=True)
        return int(re.search(r'id="%s">(\d+)<' % name, home).group(1))

    def publish(self, **values):
        "Create and publish a bulletin; return its id"
        def publish():
            Bulletin = Pool().get('dms.bulletin')
            bulletin, = Bulletin.create([{
                        'title': values.pop('title', "Bulletin"),
                        'body': values.pop('body', "Read me."),
                        'kind': values.pop('kind', 'general'),
                        **values}])
            Bulletin.publish([bulletin])
            return bulletin.id
        return self.staff(publish)

    def read(self, model, id_, *names):
        def read():
            record = Pool().get(model)(id_)
            return tuple(getattr(record, n) for n in names)
        return self.staff(read)

    def test_bulletin_to_tier(self):
        "A bulletin to a tier reaches only that tier, read and acknowledged"
        buyer_a = self.client_for('buyer@a.example.com')
        buyer_b = self.client_for('buyer@b.example.com')
        unread_a, unread_b = self.unread(buyer_a), self.unread(buyer_b)
        bulletin_id = self.publish(title="Gold launch", kind='launch',
            audience='tiers', tiers=[('add', [self.gold])],
            acknowledgement_required=True)
        self.assertEqual(self.staff(lambda: [
                    r.dealer.id for r in Pool().get('dms.bulletin')(
                        bulletin_id).receipts]), [self.dealer_a])

        self.assertEqual(self.unread(buyer_a), unread_a + 1)
        listing = buyer_a.get(self.url('bulletins')).get_data(as_text=True)
        self.assertIn("Gold launch", listing)
        self.assertIn('To acknowledge', listing)
        # Dealer B is not in the audience
        self.assertNotIn("Gold launch",
            buyer_b.get(self.url('bulletins')).get_data(as_text=True))
        for path in ['bulletins/%s' % bulletin_id]:
            self.assertEqual(buyer_b.get(self.url(path)).status_code, 404)
        for path in ['read', 'acknowledge', 'chat']:
            response = self.post(buyer_b, 'bulletins/%s/%s' % (
                    bulletin_id, path), content="Hello")
            self.assertEqual(response.status_code, 404, path)
        self.assertEqual(self.unread(buyer_b), unread_b)

        # Showing the page is read-only: its script posts the read
        page = buyer_a.get(self.url('bulletins/%s' % bulletin_id))
        self.assertEqual(page.status_code, 200)
        self.assertIn('data-mark-read', page.get_data(as_text=True))
        self.assertEqual(self.read('dms.bulletin', bulletin_id,
                'read_count')[0], 0)
        response = self.post(buyer_a, 'bulletins/%s/read' % bulletin_id,
            ajax='1')
        self.assertEqual(response.status_code, HTTPStatus.NO_CONTENT)
        self.assertEqual(self.unread(buyer_a), unread_a)
        self.assertEqual(self.read('dms.bulletin', bulletin_id,
                'read_count', 'acknowledged_count'), (1, 0))

        response = self.post(buyer_a, 'bulletins/%s/acknowledge' % (
                bulletin_id))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        receipt = self.staff(lambda: [
                (r.status, r.acknowledged_by.email) for r in Pool().get(
                    'dms.bulletin')(bulletin_id).receipts])
        self.assertEqual(receipt, [('acknowledged', 'buyer@a.example.com')])
        # The colleague sees who took note for the dealer
        viewer = self.client_for('viewer@a.example.com')
        page = viewer.get(self.url('bulletins/%s' % bulletin_id)).get_data(
            as_text=True)
        self.assertIn('Acknowledged by buyer@a.example.com', page)
        self.assertNotIn('id="acknowledge"', page)

        # Archived: out of the portal
        self.staff(lambda: Pool().get('dms.bulletin').archive(
                [Pool().get('dms.bulletin')(bulletin_id)]))
        self.assertEqual(buyer_a.get(
                self.url('bulletins/%s' % bulletin_id)).status_code, 404)

    def test_bulletin_to_territory(self):
        "A bulletin to a province reaches the dealers of its cities"
        bulletin_id = self.publish(title="Zhejiang policy", kind='policy',
            audience='territories', territories=[('add', [self.zhejiang])])
        buyer_a = self.client_for('buyer@a.example.com')
        buyer_b = self.client_for('buyer@b.example.com')
        self.assertEqual(buyer_a.get(
                self.url('bulletins/%s' % bulletin_id)).status_code, 200)
        self.assertEqual(buyer_b.get(
                self.url('bulletins/%s' % bulletin_id)).status_code, 404)
        # Filter by kind
        self.assertIn("Zhejiang policy", buyer_a.get(
                self.url('bulletins?kind=policy')).get_data(as_text=True))
        self.assertNotIn("Zhejiang policy", buyer_a.get(
                self.url('bulletins?kind=recall')).get_data(as_text=True))

    def test_publish_refused(self):
        "A bulletin without its audience or prices cannot be published"
        from trytond.exceptions import UserError

        def publish(values):
            def func():
                Bulletin = Pool().get('dms.bulletin')
                bulletin, = Bulletin.create([{
                            'title': "Incomplete", 'body': "x", **values}])
                Bulletin.publish([bulletin])
            return func
        for values in [{'audience': 'tiers'}, {'audience': 'dealers'},
                {'audience': 'territories'},
                {'kind': 'price', 'effective_date': dt.date.today()}]:
            with self.subTest(values=values):
                with self.assertRaises(UserError):
                    self.staff(publish(values))
        with self.assertRaises(UserError):
            self.staff(publish({'body': 'x' * 20001}))

    def test_reminder_and_emails(self):
        "Publishing and reminding e-mail the users who want it"
        with SMTPSink() as smtp:
            bulletin_id = self.publish(title="For everyone " + XSS,
                body="Body " + XSS)
            messages = smtp.wait(3)
        self.assertEqual(sorted(m['To'] for m in messages), [
                'buyer@a.example.com', 'buyer@b.example.com',
                'viewer@a.example.com'])
        html = ''.join(part.get_payload(decode=True).decode()
            for part in messages[0].walk()
            if part.get_content_type() == 'text/html')
        # Stored script is escaped in the e-mail
        self.assertNotIn('<script>', html)
        self.assertIn('&lt;script&gt;', html)
        self.assertIn('For everyone', messages[0]['Subject'])

        buyer_a = self.client_for('buyer@a.example.com')
        self.post(buyer_a, 'bulletins/%s/read' % bulletin_id, ajax='1')
        # B turns e-mails of bulletins off
        buyer_b = self.client_for('buyer@b.example.com')
        response = self.post(buyer_b, 'inbox/preferences',
            email=['feedback', 'chat'])
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        page = buyer_b.get(self.url('inbox')).get_data(as_text=True)
        self.assertNotRegex(page, r'value="bulletin" checked')
        self.assertRegex(page, r'value="chat" checked')

        def remind():
            Bulletin = Pool().get('dms.bulletin')
            Bulletin.remind([Bulletin(bulletin_id)])
        with SMTPSink() as smtp:
            self.staff(remind)
            messages = smtp.wait(1, timeout=2)
        # A read it; B gets the reminder in its inbox only
        self.assertEqual(messages, [])
        receipts = self.staff(lambda: {
                r.dealer.id: r.reminder_count for r in Pool().get(
                    'dms.bulletin')(bulletin_id).receipts})
        self.assertEqual(receipts, {self.dealer_a: 0, self.dealer_b: 1})
        inbox = buyer_b.get(self.url('inbox')).get_data(as_text=True)
        self.assertIn('Reminder: please read the bulletin', inbox)
        self.assertNotIn('<script>alert', inbox)
        # The page escapes stored script
        page = buyer_b.get(self.url('bulletins/%s' % bulletin_id)).get_data(
            as_text=True)
        self.assertIn('&lt;script&gt;alert', page)
        self.assertNotIn(XSS, page)
        self.post(buyer_b, 'inbox/preferences',
            email=['bulletin', 'feedback', 'chat', 'alert'])

    def test_emails_when_mail_server_down(self):
        """E-mails the mail server did not take are not marked as sent and
        are queued again (with a worker); each arrives once when it is back"""
        from trytond.config import config

        from dms_portal.tests.tools import free_port
        uri = config.get('email', 'uri')
        self.addCleanup(config.set, 'email', 'uri', uri)
        # Nothing listens there
        config.set('email', 'uri', 'smtp://127.0.0.1:%s' % free_port())
        bulletin_id = self.publish(title="Server down")

        def notifications():
            Notification = Pool().get('dms.dealer.notification')
            return Notification.search([
                    ('resource', '=', 'dms.bulletin,%s' % bulletin_id)])
        emailed = self.staff(lambda: [
                (n.user.email, n.emailed_at) for n in notifications()])
        self.assertEqual(sorted(emailed), [
                ('buyer@a.example.com', None), ('buyer@b.example.com', None),
                ('viewer@a.example.com', None)])

        # With a worker, the task is queued again for later
        worker = config.get('queue', 'worker')
        self.addCleanup(config.set, 'queue', 'worker', worker)
        config.set('queue', 'worker', 'True')

        def send():
            pool = Pool()
            Notification = pool.get('dms.dealer.notification')
            Queue = pool.get('ir.queue')
            before = {q.id for q in Queue.search([])}
            Notification.send_email(notifications())
            return [(q.id, q.data, q.scheduled_at)
                for q in Queue.search([]) if q.id not in before]
        (task, data, scheduled_at), = self.staff(send)
        self.assertEqual(data['method'], 'send_email')
        self.assertEqual(len(data['instances']), 3)
        self.assertGreater(scheduled_at,
            dt.datetime.now() + dt.timedelta(seconds=200))
        config.set('queue', 'worker', worker)

        with SMTPSink() as smtp:
            run_task(self.db_name, task)
            messages = smtp.wait(3)
            self.staff(lambda: Pool().get(
                    'dms.dealer.notification').send_email(notifications()))
            messages = smtp.wait(4, timeout=1)
        self.assertEqual(sorted(m['To'] for m in messages), [
                'buyer@a.example.com', 'buyer@b.example.com',
                'viewer@a.example.com'])
        # Each e-mail has a Message-ID of its own, the same if sent again
        ids = {m['Message-ID'] for m in messages}
        self.assertEqual(len(ids), 3)
        self.assertTrue(all(
                re.match(r'<dms\.notification\.\d+\.\d+@', i)
                for i in ids), ids)
        self.assertTrue(all(e for _, e in self.staff(lambda: [
                        (n.id, n.emailed_at) for n in notifications()])))

    def test_inbox(self):
        "The inbox opens and marks notifications of its own user only"
        bulletin_id = self.publish(title="Inbox test")
        buyer_a = self.client_for('buyer@a.example.com')
        buyer_b = self.client_for('buyer@b.example.com')
        notification_b = self.staff(lambda: Pool().get(
                'dms.dealer.notification').search([
                    ('user.email', '=', 'buyer@b.example.com'),
                    ('resource', '=', 'dms.bulletin,%s' % bulletin_id),
                    ])[0].id)
        response = self.post(buyer_a, 'inbox/%s/open' % notification_b)
        self.assertEqual(response.status_code, 404)
        self.assertIsNone(self.read('dms.dealer.notification',
                notification_b, 'read_at')[0])
        response = self.post(buyer_b, 'inbox/%s/open' % notification_b)
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertTrue(response.location.endswith(
                '/bulletins/%s' % bulletin_id))
        self.assertIsNotNone(self.read('dms.dealer.notification',
                notification_b, 'read_at')[0])
        response = self.post(buyer_a, 'inbox/read')
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(self.unread(buyer_a, 'unread-notifications'), 0)
        # No GET changes anything
        self.assertEqual(buyer_a.get(self.url('inbox/read')).status_code,
            404)

    def test_price_change(self):
        "A price change lists the affected orders and applies on its date"
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        bulletin_id = self.publish(title="Gold price", kind='price',
            effective_date=tomorrow, products=[('add', [self.product])],
            prices=[('create', [{
                            'product': self.product, 'tier': self.gold,
                            'unit_price': Decimal('80.00')}])])

        def state():
            pool = Pool()
            Bulletin = pool.get('dms.bulletin')
            Tier = pool.get('dms.dealer.tier')
            Product = pool.get('product.product')
            bulletin = Bulletin(bulletin_id)
            product = Product(self.product)
            price_list = Tier(self.gold).price_list
            return (bulletin.prices_applied,
                [s.id for s in bulletin.affected_orders],
                price_list.compute(product, 1, product.sale_uom),
                bulletin.prices[0].current_price)
        applied, affected, price, current = self.staff(state)
        self.assertFalse(applied)
        # Only the Gold dealer's order gets a new price
        self.assertEqual(affected, [self.order_a])
        self.assertEqual(price, Decimal('90.0000'))
        self.assertEqual(current, price)

        buyer_a = self.client_for('buyer@a.example.com')
        page = buyer_a.get(self.url('bulletins/%s' % bulletin_id)).get_data(
            as_text=True)
        self.assertIn('id="affected-orders"', page)
        self.assertIn('80.00', page)

        # The scheduled job leaves it until the effective date
        self.staff(lambda: Pool().get('dms.bulletin').apply_prices())
        self.assertFalse(self.staff(state)[0])

        def make_due():
            Bulletin = Pool().get('dms.bulletin')
            Bulletin.write([Bulletin(bulletin_id)], {
                    'effective_date': dt.date.today()})
            Bulletin.apply_prices()
        self.staff(make_due)
        applied, _, price, _ = self.staff(state)
        self.assertTrue(applied)
        self.assertEqual(price, Decimal('80.0000'))

        # A new list price applies at once when effective today
        self.publish(title="List price", kind='price',
            effective_date=dt.date.today(),
            prices=[('create', [{
                            'product': self.product,
                            'unit_price': Decimal('120.00')}])])
        self.assertEqual(self.read('product.product', self.product,
                'list_price_used')[0], Decimal('120.0000'))
        # The tier line still comes first for Gold
        self.assertEqual(self.staff(state)[2], Decimal('80.0000'))

        # A tier price and a list price of one product: each dealer sees
        # the price it gets, the list price reaches every dealer's orders
        both_id = self.publish(title="Both prices", kind='price',
            effective_date=tomorrow, prices=[('create', [{
                            'product': self.product, 'tier': self.gold,
                            'unit_price': Decimal('75.00')}, {
                            'product': self.product,
                            'unit_price': Decimal('130.00')}])])
        buyer_b = self.client_for('buyer@b.example.com')
        for client, shown, hidden in [
                (buyer_a, '75.00', '130.00'), (buyer_b, '130.00', '75.00')]:
            page = client.get(self.url('bulletins/%s' % both_id)).get_data(
                as_text=True)
            prices = page[page.index('id="bulletin-prices"'):]
            prices = prices[:prices.index('</table>')]
            self.assertIn(shown, prices)
            self.assertNotIn(hidden, prices)

        def affected(ship_b=False):
            pool = Pool()
            Bulletin = pool.get('dms.bulletin')
            Sale = pool.get('sale.sale')
            if ship_b:
                # Shipped in full, only its invoice is pending
                Sale.write([Sale(self.order_b)], {'shipment_state': 'sent'})
            return sorted(s.id for s in Bulletin(both_id).affected_orders)
        self.assertEqual(self.staff(affected),
            sorted([self.order_a, self.order_b]))
        self.assertEqual(self.staff(lambda: affected(ship_b=True)),
            [self.order_a])

    def test_feedback_round_trip(self):
        "Feedback from the portal, triaged and answered by the factory"
        buyer_a = self.client_for('buyer@a.example.com')
        count = self.staff(lambda: Pool().get('dms.feedback').search_count(
                []))
        # Bad input: clear errors, nothing saved
        response = self.post(buyer_a, 'feedback/new', kind='demand',
            subject='', product='PART-1', estimated_quantity='many',
            competitor_price='abc')
        self.assertEqual(response.status_code, 400)
        page = response.get_data(as_text=True)
        self.assertIn('id="error-subject"', page)
        self.assertIn('No product', page)
        self.assertIn('id="error-estimated_quantity"', page)
        response = self.post(buyer_a, 'feedback/new', kind='competitor',
            subject='Cheaper rival')
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="error-competitor"',
            response.get_data(as_text=True))
        response = self.post(buyer_a, 'feedback/new', kind='spam',
            subject='x' * 201)
        self.assertEqual(response.status_code, 400)
        response = buyer_a.post(self.url('feedback/new'), data={
                'csrf_token': self.csrf(buyer_a), 'kind': 'trend',
                'subject': 'Script file',
                'file': (__import__('io').BytesIO(b'<html>'), 'x.html')})
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="error-file"', response.get_data(as_text=True))
        response = buyer_a.post(self.url('feedback/new'), data={
                'csrf_token': self.csrf(buyer_a), 'kind': 'trend',
                'subject': 'Fake image',
                'file': (__import__('io').BytesIO(b'MZ binary'), 'x.png')})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.staff(lambda: Pool().get(
                    'dms.feedback').search_count([])), count)

        import io
        response = buyer_a.post(self.url('feedback/new'), data={
                'csrf_token': self.csrf(buyer_a), 'kind': 'demand',
                'subject': 'Red sells out ' + XSS, 'product': 'AC-1',
                'attribute': 'Red', 'estimated_quantity': '40',
                'file': (io.BytesIO(PNG), 'shelf.png')})
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        feedback_id = int(response.location.rsplit('/', 1)[1])
        self.post(buyer_a, 'feedback/new', kind='demand',
            subject='More red', product='AC-1', attribute=' red ',
            estimated_quantity='10')

        def check():
            pool = Pool()
            Feedback = pool.get('dms.feedback')
            Attachment = pool.get('ir.attachment')
            Notification = pool.get('res.notification')
            feedback = Feedback(feedback_id)
            return (feedback.territory.code, feedback.state,
                feedback.author.email,
                [(a.name, a.dms_shared) for a in Attachment.search(
                        [('resource', '=', str(feedback))])],
                Notification.search_count([
                        ('user', '=', ADMIN),
                        ('model', '=', 'dms.feedback'),
                        ('records', '=', str([feedback_id]))]))
        self.assertEqual(self.staff(check), (
                'HZ', 'new', 'buyer@a.example.com', [('shelf.png', True)],
                1))

        # The planner sees "red is selling" in Hangzhou at a glance
        def summary():
            Summary = Pool().get('dms.feedback.summary')
            return [(s.kind, s.attribute, s.territory.code, s.count,
                    s.estimated_quantity) for s in Summary.search([
                        ('product', '=', self.product)])]
        self.assertIn(('demand', 'red', 'HZ', 2, 50), self.staff(summary))

        def triage():
            Feedback = Pool().get('dms.feedback')
            feedback = Feedback(feedback_id)
            Feedback.acknowledge([feedback])
            feedback.answer = "We raise the production of red units."
            feedback.save()
        with SMTPSink() as smtp:
            self.staff(triage)
            messages = smtp.wait(4)
        self.assertEqual(sorted({m['To'] for m in messages}),
            ['buyer@a.example.com', 'viewer@a.example.com'])
        self.assertEqual(self.read('dms.feedback', feedback_id,
                'assignee')[0].id, ADMIN)
        page = buyer_a.get(self.url('feedback/%s' % feedback_id)).get_data(
            as_text=True)
        self.assertIn('We raise the production of red units.', page)
        self.assertIn('data-state="acknowledged"', page)
        self.assertNotIn(XSS, page)
        inbox = buyer_a.get(self.url('inbox?kind=feedback')).get_data(
            as_text=True)
        self.assertIn('is acknowledged', inbox)
        self.assertIn('answered your feedback', inbox)

        # Dealer B reaches nothing of it
        buyer_b = self.client_for('buyer@b.example.com')
        self.assertNotIn('Red sells out', buyer_b.get(
                self.url('feedback')).get_data(as_text=True))
        attachment = self.staff(lambda: Pool().get('ir.attachment').search(
                [('resource', '=', 'dms.feedback,%s' % feedback_id)])[0].id)
        for path in ['feedback/%s' % feedback_id,
                'feedback/%s/files/%s' % (feedback_id, attachment)]:
            self.assertEqual(buyer_b.get(self.url(path)).status_code, 404)
        response = self.post(buyer_b, 'feedback/%s/chat' % feedback_id,
            content='Spy')
        self.assertEqual(response.status_code, 404)
        download = buyer_a.get(self.url('feedback/%s/files/%s' % (
                    feedback_id, attachment)))
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.data, PNG)
        self.assertIn('attachment;', download.headers['Content-Disposition'])

    def test_bad_numbers_and_characters(self):
        """Numbers out of range give the first page or 404, NUL characters a
        clear 400: no 500, nothing saved"""
        buyer_a = self.client_for('buyer@a.example.com')
        huge = '9' * 30
        for path in ['bulletins?page=%s' % huge, 'feedback?page=%s' % huge,
                'inbox?page=%s' % huge, 'bulletins?page=2147483648']:
            with self.subTest(path=path):
                self.assertEqual(
                    buyer_a.get(self.url(path)).status_code, HTTPStatus.OK)
        for path in ['bulletins/%s' % huge, 'bulletins/2147483648',
                'feedback/%s/files/1' % huge, 'feedback/1/files/%s' % huge]:
            with self.subTest(path=path):
                response = buyer_a.get(self.url(path))
                self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)
                self.assertIn('Page not found', response.get_data(
                        as_text=True))
        count = self.staff(lambda: Pool().get('dms.feedback').search_count(
                []))
        response = self.post(buyer_a, 'feedback/new', kind='trend',
            subject='Red\0sells')
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('cannot be stored', response.get_data(as_text=True))
        response = buyer_a.get(self.url('feedback?kind=%00'))
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertEqual(self.staff(lambda: Pool().get(
                    'dms.feedback').search_count([])), count)

        # Through the model (and RPC): NUL characters are dropped, CRLF
        # becomes LF
        def submit():
            pool = Pool()
            Feedback = pool.get('dms.feedback')
            WebUser = pool.get('web.user')
            user, = WebUser.search([('email', '=', 'buyer@a.example.com')])
            feedback, errors = Feedback.dms_portal_submit(user, {
                    'kind': 'trend', 'subject': 'Blue\0 rises',
                    'description': 'Line 1\r\nLine 2'})
            return errors, feedback.subject, feedback.description
        self.assertEqual(self.staff(submit),
            ({}, 'Blue rises', 'Line 1\nLine 2'))

    def test_chat(self):
        "The dealer and the factory talk on a feedback, in both directions"
        buyer_a = self.client_for('buyer@a.example.com')
        response = self.post(buyer_a, 'feedback/new', kind='trend',
            subject='Chat about it')
        feedback_id = int(response.location.rsplit('/', 1)[1])
        path = 'feedback/%s/chat' % feedback_id

        # Refused: empty, huge, forbidden file; nothing saved
        for data in [{'content': '   '}, {'content': 'x' * 5001}]:
            response = self.post(buyer_a, path, **data)
            self.assertEqual(response.status_code, 400)
            self.assertIn('id="chat-error"', response.get_data(as_text=True))
        import io
        response = buyer_a.post(self.url(path), data={
                'csrf_token': self.csrf(buyer_a), 'content': 'See file',
                'file': (io.BytesIO(b'#!/bin/sh'), 'run.sh')})
        self.assertEqual(response.status_code, 400)
        # Over the size limit: refused by the model, or by the request size
        from dms_portal.ir import MAX_UPLOAD_SIZE
        response = buyer_a.post(self.url(path), data={
                'csrf_token': self.csrf(buyer_a), 'content': 'Big photo',
                'file': (io.BytesIO(PNG + b'\0' * MAX_UPLOAD_SIZE),
                    'big.png')})
        self.assertEqual(response.status_code, 400)
        self.assertIn('too large', response.get_data(as_text=True))
        response = buyer_a.post(self.url(path), data={
                'csrf_token': self.csrf(buyer_a), 'content': 'Huge photo',
                'file': (io.BytesIO(PNG + b'\0' * (MAX_UPLOAD_SIZE + 70000)),
                    'huge.png')})
        self.assertEqual(response.status_code,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

        def messages():
            Message = Pool().get('ir.chat.message')
            return [(m.content, m.audience, m.email, m.user and m.user.id)
                for m in Message.search([
                        ('channel.resource', '=',
                            'dms.feedback,%s' % feedback_id)],
                    order=[('id', 'ASC')])]
        self.assertEqual(self.staff(messages), [])

        response = buyer_a.post(self.url(path), data={
                'csrf_token': self.csrf(buyer_a),
                'content': 'When is it fixed? ' + XSS,
                'file': (io.BytesIO(b'%PDF-1.4 test'), 'report.pdf')})
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        (content, audience, email, user), = self.staff(messages)
        self.assertEqual((audience, email, user),
            ('public', 'buyer@a.example.com', None))
        self.assertIn('report.pdf', content)
        # The factory's responsible user is told in the web client
        self.assertEqual(self.staff(lambda: Pool().get(
                    'res.notification').search_count([
                        ('user', '=', ADMIN),
                        ('icon', '=', 'tryton-chat'),
                        ('model', '=', 'dms.feedback'),
                        ('description', 'like', 'When is it fixed?%')])), 1)

        # Its title names the dealer and the feedback; the web client shows
        # the user and the dealer as the author of the message
        def factory_view():
            pool = Pool()
            Channel = pool.get('ir.chat.channel')
            Notification = pool.get('res.notification')
            notification, = Notification.search([
                    ('user', '=', ADMIN), ('model', '=', 'dms.feedback'),
                    ('description', 'like', 'When is it fixed?%')])
            message, = Channel.get('dms.feedback,%s' % feedback_id)
            return (notification.label, message['author'], message['user'],
                message['avatar_url'])
        label, author, user, avatar = self.staff(factory_view)
        self.assertEqual(label, "Dealer A on #%s Chat about it" % feedback_id)
        # A picture the web client draws beside the message
        response = buyer_a.get(avatar)
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertEqual(response.mimetype, 'image/svg+xml')
        self.assertEqual(author, "buyer@a.example.com (Dealer A)")
        self.assertTrue(user and user.startswith('web.user,'))

        # The panel reads the messages after the last it shows, only on
        # the dealer's own feedback
        poll = self.url('feedback/%s/chat/messages' % feedback_id)
        first, = buyer_a.get(poll + '?after=0').get_json()['messages']
        self.assertEqual((first['side'], first['author']),
            ('mine', 'buyer@a.example.com'))
        self.assertIn('When is it fixed?', first['content'])
        self.assertEqual(buyer_a.get(
                poll + '?after=%s' % first['id']).get_json(),
            {'messages': []})
        self.assertEqual(self.client_for('buyer@b.example.com').get(
                poll + '?after=0').status_code, HTTPStatus.NOT_FOUND)
        # Any ?after= reads as a position: no error
        for after in ['abc', '-1', '9' * 30, '']:
            response = buyer_a.get(poll + '?after=' + after)
            self.assertEqual(response.status_code, HTTPStatus.OK, after)
            self.assertEqual(
                [m['id'] for m in response.get_json()['messages']],
                [first['id']], after)

        # Polling is not the user's activity: it does not keep an idle
        # session open
        def touched():
            pool = Pool()
            Session = pool.get('web.user.session')
            table = Session.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(table.write_date,
                    where=table.key == self.cookie(
                        buyer_a, 'dms_portal_session').value))
            value, = cursor.fetchone()
            return value

        def age_session():
            pool = Pool()
            Session = pool.get('web.user.session')
            table = Session.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update(
                    [table.write_date],
                    [dt.datetime.now() - dt.timedelta(minutes=5)],
                    where=table.key == self.cookie(
                        buyer_a, 'dms_portal_session').value))
        self.staff(age_session)
        before = self.staff(touched)
        buyer_a.get(poll + '?after=0')
        self.assertEqual(self.staff(touched), before)
        # A page is
        buyer_a.get(self.url('feedback/%s' % feedback_id))
        self.assertGreater(self.staff(touched), before)

        # The buyer reads the portal in Chinese: its notifications and
        # e-mails are in Chinese from now on, the viewer's in English
        self.post(buyer_a, 'language', lang='zh_CN')

        def answer():
            pool = Pool()
            Channel = pool.get('ir.chat.channel')
            Feedback = pool.get('dms.feedback')
            feedback = Feedback(feedback_id)
            Channel.post(feedback, "Next week.", audience='public')
            Channel.post(feedback, "Internal: check the supplier.",
                audience='internal')
        with SMTPSink() as smtp:
            self.staff(answer)
            mails = smtp.wait(2)
        self.assertEqual(sorted(m['To'] for m in mails),
            ['buyer@a.example.com', 'viewer@a.example.com'])
        self.assertTrue(all('Next week' in m.as_string() for m in mails))
        subjects = {m['To']: str(make_header(decode_header(m['Subject'])))
            for m in mails}
        self.assertEqual(subjects['buyer@a.example.com'],
            "工厂就 #%s Chat about it 发来了新消息" % feedback_id)
        self.assertEqual(subjects['viewer@a.example.com'],
            "New message from the factory on #%s Chat about it"
            % feedback_id)
        page = buyer_a.get(self.url('feedback/%s' % feedback_id)).get_data(
            as_text=True)
        self.assertIn('Next week.', page)
        self.assertNotIn('Internal: check', page)
        self.assertIn('report.pdf', page)
        self.assertIn('&lt;script&gt;', page)
        self.assertNotIn(XSS, page)
        inbox = buyer_a.get(self.url('inbox?kind=chat')).get_data(
            as_text=True)
        self.assertIn('工厂就 #%s Chat about it 发来了新消息' % feedback_id,
            inbox)
        self.assertIn('New message from the factory', self.client_for(
                'viewer@a.example.com').get(self.url('inbox?kind=chat'))
            .get_data(as_text=True))

    def test_bulletin_chat_per_dealer(self):
        "Each dealer talks about a bulletin in its own conversation"
        bulletin_id = self.publish(title="Shared bulletin")
        buyer_a = self.client_for('buyer@a.example.com')
        buyer_b = self.client_for('buyer@b.example.com')
        response = self.post(buyer_a, 'bulletins/%s/chat' % bulletin_id,
            content='Question of A')
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        page_b = buyer_b.get(self.url('bulletins/%s' % bulletin_id))
        self.assertEqual(page_b.status_code, 200)
        self.assertNotIn('Question of A', page_b.get_data(as_text=True))
        self.assertIn('Question of A', buyer_a.get(
                self.url('bulletins/%s' % bulletin_id)).get_data(
                as_text=True))
        self.assertEqual(self.staff(lambda: [
                    (str(m.channel.resource.dealer.code), m.content)
                    for m in Pool().get('ir.chat.message').search([
                            ('channel.resource', 'like',
                                'dms.bulletin.receipt,%')])]),
            [('A', 'Question of A')])
