# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Order tracking in the portal: from the portal submit to the delivery,
with the timeline, an alert mailed by the scheduled scan and closed, the
receipt confirmed by the dealer, and the replenishment suggestions"""
import datetime as dt
import re
from decimal import Decimal
from http import HTTPStatus

from dms_dealer.tests.tools import LockRetrySetUpMixin
from dms_portal.tests.tools import PortalClientMixin, SMTPSink
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase
from trytond.transaction import Transaction, TransactionError
from trytond.worker import run_task

from .test_intake import IntakeTestMixin

PASSWORD = 'portal-secret-1'
ADMIN = 1


class PortalTrackingTestCase(
        LockRetrySetUpMixin, PortalClientMixin, RouteTestCase):
    "Test the tracking of orders in the portal"
    module = 'dms_orders'
    password = PASSWORD

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        WebUser = pool.get('web.user')
        Configuration = pool.get('dms.configuration')
        IntakeTestMixin.setup_network(cls, stock={
                'AC-1': 100, 'FR-1': 100, 'GOLD-ONLY': 100})
        config = Configuration(1)
        config.check_credit_limit = False
        config.portal_url = 'https://dms.example.com/dms/portal/'
        config.save()
        WebUser.create([{
                    'email': email, 'password': PASSWORD,
                    'dealer': dealer.id, 'dealer_role': role,
                    } for email, dealer, role in [
                    ('buyer@a.example.com', cls.dealer_a, 'buyer'),
                    ('viewer@a.example.com', cls.dealer_a, 'viewer'),
                    ('buyer@b.example.com', cls.dealer_b, 'buyer')]])

    def staff(self, func):
        """Run func() in a committed transaction of the factory's
        administrator, started again with the locks it asks for"""
        extras = {}
        while True:
            with Transaction().start(self.db_name, ADMIN, **extras) as (
                    transaction), transaction.set_context(
                    company=self.company.id):
                try:
                    result = func()
                except TransactionError as exception:
                    transaction.rollback()
                    exception.fix(extras)
                    continue
                transaction.commit()
                return result

    def run_cron(self, xml_id):
        """Run the scheduled job as trytond-cron does and then the tasks it
        queued, each in its own transaction"""
        with Transaction().start(self.db_name, 0) as transaction:
            pool = Pool()
            Cron = pool.get('ir.cron')
            ModelData = pool.get('ir.model.data')
            cron = Cron(ModelData.get_id('dms_orders', xml_id))
            with transaction.set_context(_cron=cron.method):
                cron.run_once()
            transaction.commit()
            tasks = list(transaction.tasks)
            transaction.tasks.clear()
        for task in tasks:
            run_task(self.db_name, task)

    def test_order_to_delivery(self):
        "An order from the portal to its delivery, followed by the dealer"
        client = self.client_for('buyer@a.example.com')
        self.post(client, 'cart/add', product_code='AC-1', quantity='2')
        response = self.post(client, 'cart/checkout', reference='TRACK-1')
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        order_url = response.location
        sale_id = int(order_url.rstrip('/').rsplit('/', 1)[1])
        html = client.get(order_url).get_data(as_text=True)
        self.assertIn('data-stage="received"', html)
        self.assertIn('buyer@a.example.com', html.split(
                'id="order-timeline"')[1])

        # The factory confirms; the planner moves the ETA past the promise
        def confirm():
            Sale = Pool().get('sale.sale')
            sale = Sale(sale_id)
            Sale.confirm([sale])
            Sale.process([sale])
            promised = Sale(sale_id).promised_date
            late_eta = promised + dt.timedelta(days=9)
            with Transaction().set_context(_check_access=True):
                Sale.write([sale], {'eta': late_eta})
            return promised, late_eta
        promised, late_eta = self.staff(confirm)

        with SMTPSink() as smtp:
            self.run_cron('cron_alert_scan')
            message, = smtp.wait(1)
        self.assertEqual(message['To'], 'buyer@a.example.com')
        number = self.staff(lambda: Pool().get('sale.sale')(sale_id).number)
        self.assertIn(number, message['Subject'])
        self.assertIn('Late', message['Subject'])
        body = ''.join(
            part.get_payload(decode=True).decode()
            for part in message.walk()
            if part.get_content_type() == 'text/html')
        self.assertIn(
            'https://dms.example.com/dms/portal/orders/%s' % sale_id, body)

        # The alert is in the inbox of the dealer's users who order
        inbox = client.get(self.url('inbox?kind=alert')).get_data(
            as_text=True)
        self.assertIn('Order %s: Late' % number, inbox)
        self.assertIn('orders/%s' % sale_id, self.staff(lambda: [
                    n.portal_path for n in Pool().get(
                        'dms.dealer.notification').search([
                            ('kind', '=', 'alert'),
                            ('user.email', '=', 'buyer@a.example.com')])]))
        viewer = self.client_for('viewer@a.example.com')
        self.assertNotIn('id="notifications"', viewer.get(
                self.url('inbox?kind=alert')).get_data(as_text=True))

        html = client.get(order_url).get_data(as_text=True)
        self.assertIn('data-stage="confirmed"', html)
        self.assertIn('id="order-alerts"', html)
        self.assertIn(late_eta.isoformat(), html.split('id="order-eta"')[1])
        home = client.get(self.url()).get_data(as_text=True)
        self.assertIn('id="home-alerts"', home)
        # Another dealer sees nothing of it
        client_b = self.client_for('buyer@b.example.com')
        self.assertNotIn('id="home-alerts"',
            client_b.get(self.url()).get_data(as_text=True))
        self.assertEqual(client_b.get(order_url).status_code,
            HTTPStatus.NOT_FOUND)
        # Not shipped yet: the receipt is refused, nothing changes
        response = self.post(client, 'orders/%s/received' % sale_id)
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('Only a shipped order', response.get_data(as_text=True))

        # Reserved, shipped with a carrier and a tracking number
        def ship():
            pool = Pool()
            Sale = pool.get('sale.sale')
            ShipmentOut = pool.get('stock.shipment.out')
            Carrier = pool.get('carrier')
            Party = pool.get('party.party')
            Template = pool.get('product.template')
            Uom = pool.get('product.uom')
            unit, = Uom.search([('name', '=', 'Unit')])
            template, = Template.create([{
                        'name': "Freight", 'type': 'service',
                        'default_uom': unit.id, 'list_price': Decimal(0),
                        'products': [('create', [{}])]}])
            party, = Party.create([{'name': "SF Express"}])
            carrier, = Carrier.create([{'party': party.id,
                        'carrier_product': template.products[0].id}])
            shipment, = Sale(sale_id).shipments
            ShipmentOut.assign_try([shipment])
            ShipmentOut.write([shipment], {
                    'carrier': carrier.id, 'tracking_number': 'SF0042'})
            ShipmentOut.pick([shipment])
            ShipmentOut.pack([shipment])
            ShipmentOut.do([shipment])
        self.staff(ship)
        html = client.get(order_url).get_data(as_text=True)
        self.assertIn('data-stage="shipped"', html)
        self.assertIn('SF0042', html)
        self.assertIn('SF Express', html)

        # Others cannot confirm the receipt: another dealer, a viewer, a
        # request without its CSRF token
        self.assertEqual(self.post(client_b, 'orders/%s/received' % sale_id
                ).status_code, HTTPStatus.NOT_FOUND)
        viewer = self.client_for('viewer@a.example.com')
        self.assertEqual(self.post(viewer, 'orders/%s/received' % sale_id
                ).status_code, HTTPStatus.NOT_FOUND)
        self.assertNotIn('id="confirm-receipt"',
            viewer.get(order_url).get_data(as_text=True))
        self.assertEqual(client.post(
                self.url('orders/%s/received' % sale_id)).status_code,
            HTTPStatus.FORBIDDEN)
        self.assertIn('data-stage="shipped"',
            client.get(order_url).get_data(as_text=True))

        response = self.post(client, 'orders/%s/received' % sale_id)
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.run_cron('cron_alert_scan')
        html = client.get(order_url).get_data(as_text=True)
        self.assertIn('data-stage="delivered"', html)
        self.assertNotIn('id="order-alerts"', html)
        def read():
            sale = Pool().get('sale.sale')(sale_id)
            return ([(e.kind, e.stage or e.note or e.date_value, e.origin,
                        e.web_user.email if e.web_user else None)
                    for e in sale.dms_events],
                [(a.kind, a.state) for a in sale.dms_alerts])
        timeline, alerts = self.staff(read)
        self.assertEqual(alerts, [('late', 'closed')])
        self.assertEqual(
            [t for t in timeline if t[0] != 'eta'], [
                ('stage', 'received', 'dealer', 'buyer@a.example.com'),
                ('stage', 'confirmed', 'staff', None),
                ('promised', promised, 'staff', None),
                ('alert', 'raised', 'system', None),
                ('stage', 'ready', 'staff', None),
                ('stage', 'shipped', 'staff', None),
                ('shipment', 'done', 'staff', None),
                ('stage', 'delivered', 'dealer', 'buyer@a.example.com'),
                ('alert', 'closed', 'system', None),
                ])
        self.assertIn(('eta', late_eta, 'staff', None), timeline)

    def test_order_chat(self):
        "The dealer and the factory talk about an order, files included"
        import io
        client = self.client_for('buyer@a.example.com')
        self.post(client, 'cart/add', product_code='AC-1', quantity='1')
        response = self.post(client, 'cart/checkout', reference='CHAT-1')
        order_url = response.location
        sale_id = int(order_url.rstrip('/').rsplit('/', 1)[1])
        response = client.post(self.url('orders/%s/chat' % sale_id), data={
                'csrf_token': self.csrf(client),
                'content': 'Can you deliver on Monday? <b>urgent</b>',
                'file': (io.BytesIO(b'%PDF-1.4 plan'), 'site-plan.pdf')})
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)

        # Another dealer reaches neither the conversation nor its files
        client_b = self.client_for('buyer@b.example.com')
        response = self.post(client_b, 'orders/%s/chat' % sale_id,
            content='Spy')
        self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)

        def staff_side():
            pool = Pool()
            Channel = pool.get('ir.chat.channel')
            Message = pool.get('ir.chat.message')
            Attachment = pool.get('ir.attachment')
            Sale = pool.get('sale.sale')
            sale = Sale(sale_id)
            messages = [(m.email, m.content.splitlines()[0])
                for m in Message.search([
                        ('channel.resource', '=', str(sale))])]
            Channel.post(sale, "Monday is fine.", audience='public')
            Channel.post(sale, "Check the truck first.",
                audience='internal')
            attachment, = Attachment.search(
                [('resource', '=', str(sale))])
            return messages, attachment.id
        messages, attachment_id = self.staff(staff_side)
        self.assertEqual(messages, [('buyer@a.example.com',
                    'Can you deliver on Monday? <b>urgent</b>')])
        html = client.get(order_url).get_data(as_text=True)
        self.assertIn('Monday is fine.', html)
        self.assertNotIn('Check the truck', html)
        self.assertIn('&lt;b&gt;urgent&lt;/b&gt;', html)
        self.assertIn('site-plan.pdf', html)
        self.assertIn('New message from the factory', client.get(
                self.url('inbox?kind=chat')).get_data(as_text=True))
        path = 'orders/%s/files/%s' % (sale_id, attachment_id)
        self.assertEqual(client.get(self.url(path)).data, b'%PDF-1.4 plan')
        self.assertEqual(client_b.get(self.url(path)).status_code,
            HTTPStatus.NOT_FOUND)
        # A file the factory keeps for itself stays hidden
        def internal_file():
            Attachment = Pool().get('ir.attachment')
            attachment, = Attachment.create([{
                        'name': 'margin.xlsx', 'type': 'data',
                        'data': b'PK\x03\x04', 'resource': 'sale.sale,%s' % (
                            sale_id)}])
            return attachment.id
        internal = self.staff(internal_file)
        self.assertEqual(client.get(self.url('orders/%s/files/%s' % (
                        sale_id, internal))).status_code,
            HTTPStatus.NOT_FOUND)
        self.assertNotIn('margin.xlsx',
            client.get(order_url).get_data(as_text=True))

    def test_suggestions(self):
        "The dealer sees its suggestions with their reasons and uses them"
        today = dt.date.today()
        def history():
            pool = Pool()
            Sale = pool.get('sale.sale')
            Intake = pool.get('dms.order.intake')
            for dealer, code in [('A', 'FR-1'), ('B', 'AC-1')]:
                for n in range(4):
                    result, = Intake.submit([{
                                'dealer_code': dealer,
                                'external_reference': 'HIST-%s' % n,
                                'lines': [{'product_code': code,
                                        'quantity': 6}]}])
                    sale = Sale(result['sale'])
                    Sale.confirm([sale])
                    Sale.write([sale], {
                            'sale_date': today - dt.timedelta(
                                days=30 + 14 * n)})
        self.staff(history)
        self.run_cron('cron_suggestion_compute')

        client = self.client_for('buyer@a.example.com')
        self.assertIn('id="home-suggestions"',
            client.get(self.url()).get_data(as_text=True))
        html = client.get(self.url('suggestions')).get_data(as_text=True)
        self.assertIn('You order about 6 every 2 weeks; last order 4 weeks '
            'ago.', html)
        self.assertIn('FR-1', html)
        self.assertNotIn('AC-1', html)
        # B sees and takes its own suggestions only
        client_b = self.client_for('buyer@b.example.com')
        html_b = client_b.get(self.url('suggestions')).get_data(as_text=True)
        self.assertIn('AC-1', html_b)
        self.assertNotIn('FR-1', html_b)
        response = self.post(client_b, 'suggestions/cart')
        self.assertEqual(response.status_code, HTTPStatus.OK)
        section = response.get_data(as_text=True).split(
            'id="cart-lines"', 1)[1].split('</table>')[0]
        self.assertEqual(
            re.findall(r'<td data-label="Code">([^<]*)</td>', section),
            ['AC-1'])
        viewer = self.client_for('viewer@a.example.com')
        self.assertEqual(self.post(viewer, 'suggestions/cart').status_code,
            HTTPStatus.NOT_FOUND)
        self.assertNotIn('id="home-suggestions"',
            viewer.get(self.url()).get_data(as_text=True))

        response = self.post(client, 'suggestions/cart')
        self.assertEqual(response.status_code, HTTPStatus.OK)
        html = response.get_data(as_text=True)
        self.assertIn('Lines added: 1. Lines refused: 0.', html)
        section = html.split('id="cart-lines"', 1)[1].split('</table>')[0]
        self.assertEqual(
            re.findall(r'<td data-label="Code">([^<]*)</td>', section),
            ['FR-1'])
