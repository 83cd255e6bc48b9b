# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"Order validation rules and the order intake API"
import datetime as dt
import json
import os
import subprocess
import tempfile
from decimal import Decimal

from dms_dealer.tests.tools import (
    create_dealer, create_price_list, create_tier)
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


class IntakeTestMixin:
    "Test dealer order intake"

    def setup_network(self, stock=None):
        """Two active dealers (Gold and Silver), products with stock and an
        integration user per dealer plus a factory one"""
        pool = Pool()
        Account = pool.get('account.account')
        Category = pool.get('product.category')
        Dealer = pool.get('dms.dealer')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        self.company = company
        User.write([User(Transaction().user)], {
                'companies': [('add', [company.id])],
                'company': company.id,
                })
        # For the rest of the test's transaction (discarded at its end)
        Transaction().set_context(company=company.id).__enter__()
        create_chart(company)
        revenue, = Account.search([
                ('type.revenue', '=', True), ('closed', '!=', True),
                ], limit=1)
        account_category, = Category.create([{
                    'name': "Appliances", 'accounting': True,
                    'account_revenue': revenue.id}])
        gold = create_tier(company, 'GOLD', price_list=None)
        silver = create_tier(company, 'SILVER')
        gold.price_list = create_price_list(company, "Gold", '0.8')
        gold.save()
        self.gold, self.silver = gold, silver
        self.dealer_a = create_dealer(company, 'A', tier=gold)
        self.dealer_b = create_dealer(company, 'B', tier=silver)
        Dealer.activate([self.dealer_a, self.dealer_b])

        unit, = Uom.search([('name', '=', 'Unit')])
        templates = Template.create([{
                    'name': name,
                    'type': 'goods',
                    'salable': True,
                    'list_price': Decimal(price),
                    'default_uom': unit.id,
                    'sale_uom': unit.id,
                    'code': code,
                    'account_category': account_category.id,
                    'products': [('create', [{}])],
                    **extra,
                    } for code, name, price, extra in [
                    ('AC-1', "Air conditioner", '1000', {}),
                    ('FR-1', "Fridge", '500', {
                            'dms_min_quantity': 2,
                            'dms_quantity_multiple': 2}),
                    ('GOLD-ONLY', "Gold special", '100', {
                            'dms_tiers': [('add', [gold.id])]}),
                    ('OFF', "Not for dealers", '10', {
                            'dms_orderable': False}),
                    ]])
        self.products = {t.products[0].code: t.products[0] for t in templates}
        # (also called on a test class by setUpClass)
        IntakeTestMixin.add_stock(
            self, stock or {'AC-1': 10, 'FR-1': 100, 'GOLD-ONLY': 5})

        integration = Group(ModelData.get_id(
                'dms_dealer', 'group_dms_integration'))
        self.erp_a, self.erp_factory = User.create([{
                    'login': login,
                    'dealer': dealer,
                    'groups': [('add', [integration.id])],
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    } for login, dealer in [
                    ('erp_a', self.dealer_a.id), ('erp', None)]])

    def add_stock(self, stock):
        "Receive the quantities per product code in the warehouse"
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        warehouse, = Location.search([('type', '=', 'warehouse')])
        supplier, = Location.search([('code', '=', 'SUP')])
        company = self.company
        moves = Move.create([{
                    'product': self.products[code].id,
                    'unit': self.products[code].default_uom.id,
                    'quantity': quantity,
                    'from_location': supplier.id,
                    'to_location': warehouse.storage_location.id,
                    'company': company.id,
                    'unit_price': Decimal(1),
                    'currency': company.currency.id,
                    } for code, quantity in stock.items()])
        Move.do(moves)

    def submit(self, orders, user=None):
        pool = Pool()
        Intake = pool.get('dms.order.intake')
        user = user or self.erp_factory
        with Transaction().set_user(user.id), Transaction().set_context(
                _check_access=True, company=self.company.id):
            return Intake.submit(orders)

    def order(self, reference='PO-1', dealer='A', lines=None, **extra):
        return {
            'dealer_code': dealer,
            'external_reference': reference,
            'lines': lines if lines is not None else [
                {'product_code': 'AC-1', 'quantity': 2}],
            **extra,
            }

    def assert_rejected(self, result, *codes):
        self.assertEqual(result['status'], 'rejected', result)
        self.assertIsNone(result['sale'])
        self.assertEqual(
            sorted(e['code'] for e in result['errors']), sorted(codes))

    @with_transaction()
    def test_accept_order(self):
        "An order is created as a quotation at the dealer's tier price"
        pool = Pool()
        Sale = pool.get('sale.sale')
        self.setup_network()
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        result, = self.submit([self.order(
                    requested_date=tomorrow.isoformat(), note="Call first",
                    lines=[{'product_code': 'AC-1', 'quantity': 2},
                        {'product_code': 'FR-1', 'quantity': '4'}])])
        self.assertEqual(result['status'], 'accepted', result)
        self.assertEqual(result['errors'], [])
        sale = Sale(result['sale'])
        self.assertEqual(result['number'], sale.number)
        self.assertTrue(sale.number)
        self.assertEqual(sale.state, 'quotation')
        self.assertEqual(sale.dealer, self.dealer_a)
        self.assertEqual(sale.external_reference, 'PO-1')
        self.assertEqual(sale.dms_source, 'intake')
        self.assertEqual(sale.shipping_date, tomorrow)
        self.assertEqual(sale.comment, "Call first")
        self.assertEqual(
            [(l.product.code, l.quantity, l.unit_price) for l in sale.lines],
            [('AC-1', 2, Decimal('800.0000')),
                ('FR-1', 4, Decimal('400.0000'))])
        self.assertEqual(sale.untaxed_amount, Decimal('3200.00'))

        # The PDF prints the unit prices with the currency's digits, more
        # only for a price that has them
        Report = pool.get('dms.sale.dealer_order', type='report')
        with Transaction().set_context(company=self.company.id):
            _, content, _, _ = Report.execute([sale.id], {})
        with tempfile.NamedTemporaryFile(suffix='.pdf') as pdf:
            pdf.write(content)
            pdf.flush()
            text = subprocess.run(['pdftotext', '-layout', pdf.name, '-'],
                capture_output=True, text=True, check=True).stdout
        self.assertRegex(text, r'800\.00(?!\d)')
        self.assertNotIn('800.0000', text)
        self.assertEqual(
            Report.price_digits(Decimal('12.3450'), sale.currency), 3)

    @with_transaction()
    def test_idempotent(self):
        "The same dealer and reference returns the first result"
        pool = Pool()
        Sale = pool.get('sale.sale')
        self.setup_network()
        first, = self.submit([self.order(lines=[
                        {'product_code': 'AC-1', 'quantity': 2},
                        {'product_code': 'FR-1', 'quantity': 2}])])
        self.assertEqual(first['status'], 'accepted', first)
        # The same order, written another way, 10 times
        for _ in range(10):
            again, = self.submit([self.order(reference=' PO-1 ', lines=[
                            {'product_code': 'FR-1', 'quantity': '2'},
                            {'product_code': 'AC-1', 'quantity': 2.0}])])
            self.assertEqual(again['status'], 'duplicate')
            self.assertEqual(
                (again['sale'], again['number']),
                (first['sale'], first['number']))
        # The same reference for another order is refused
        for other in [
                self.order(lines=[{'product_code': 'AC-1', 'quantity': 3}]),
                self.order(lines=[{'product_code': 'AC-1', 'quantity': 2}]),
                self.order(lines=[
                        {'product_code': 'AC-1', 'quantity': 2},
                        {'product_code': 'FR-1', 'quantity': 2}],
                    note="Other note")]:
            conflict, = self.submit([other])
            self.assert_rejected(conflict, 'reference_conflict')
            self.assertIn('PO-1', conflict['errors'][0]['message'])
        sale, = Sale.search([('external_reference', '=', 'PO-1')])
        self.assertEqual(len(sale.lines), 2)
        self.assertFalse(sale.comment)
        # Repeats in one batch and the same reference for another dealer
        results = self.submit([
                self.order('PO-2'), self.order('PO-2'),
                self.order('PO-2', dealer='B'),
                self.order('PO-2', lines=[
                        {'product_code': 'FR-1', 'quantity': 2}])])
        self.assertEqual(
            [r['status'] for r in results],
            ['accepted', 'duplicate', 'accepted', 'rejected'])
        self.assertEqual(results[0]['sale'], results[1]['sale'])
        self.assert_rejected(results[3], 'reference_conflict')
        self.assertEqual(Sale.search_count([]), 3)
        bad = self.order('PO-3', lines=[])
        first, repeat = self.submit([bad, bad])
        self.assertEqual(first['status'], 'rejected')
        self.assertEqual(repeat, first)
        # An order of the dealer entered without the intake (no digest)
        sale, = Sale.copy([sale], {'external_reference': 'PHONE-1'})
        again, = self.submit([self.order('PHONE-1')])
        self.assertEqual(
            (again['status'], again['sale']), ('duplicate', sale.id))

    @with_transaction()
    def test_order_rules(self):
        "Each broken rule is reported on its line and nothing is created"
        pool = Pool()
        Sale = pool.get('sale.sale')
        self.setup_network()
        yesterday = dt.date.today() - dt.timedelta(days=1)
        for order, codes in [
                (self.order(dealer='NOPE'), ['dealer_unknown']),
                (self.order(reference=''), ['reference_invalid']),
                (self.order(reference='x' * 65), ['reference_invalid']),
                (self.order(reference=None), ['reference_invalid']),
                (self.order(lines=[]), ['no_lines']),
                (self.order(lines='AC-1'), ['no_lines']),
                (self.order(requested_date='tomorrow'),
                    ['requested_date_invalid']),
                (self.order(requested_date=yesterday.isoformat()),
                    ['requested_date_past']),
                (self.order(delivery_address=-1), ['address_invalid']),
                (self.order(delivery_address='x'), ['address_invalid']),
                (self.order(delivery_address=10 ** 9), ['address_invalid']),
                (self.order(delivery_address=10 ** 30), ['address_invalid']),
                (self.order(delivery_address=self.dealer_b.party.addresses[
                            0].id), ['address_invalid']),
                (self.order(note='x' * 2001), ['note_invalid']),
                (self.order(lines=[{'product_code': 'NOPE', 'quantity': 1}]),
                    ['product_unknown']),
                (self.order(lines=[{'product_code': 'OFF', 'quantity': 1}]),
                    ['product_not_orderable']),
                (self.order(dealer='B', lines=[
                            {'product_code': 'GOLD-ONLY', 'quantity': 1}]),
                    ['product_not_orderable']),
                (self.order(lines=['AC-1']), ['line_invalid']),
                ]:
            with self.subTest(order=order):
                result, = self.submit([order])
                self.assert_rejected(result, *codes)
                if codes == ['product_not_orderable']:
                    # The code sent, not the name of a product the dealer
                    # does not see
                    message = result['errors'][0]['message']
                    self.assertIn('"%s"' % order['lines'][0][
                            'product_code'], message)
                    self.assertNotIn('Not for dealers', message)
                    self.assertNotIn('Gold special', message)
        for quantity, code in [
                (0, 'quantity_invalid'), (-3, 'quantity_invalid'),
                ('two', 'quantity_invalid'), (None, 'quantity_invalid'),
                (True, 'quantity_invalid'), (float('nan'), 'quantity_invalid'),
                ('1e400', 'quantity_invalid'),
                (10_001, 'quantity_too_large'), (1.5, 'quantity_digits'),
                ]:
            with self.subTest(quantity=quantity):
                result, = self.submit([self.order(lines=[
                                {'product_code': 'AC-1',
                                    'quantity': quantity}])])
                self.assert_rejected(result, code)
                self.assertEqual(result['errors'][0]['line'], 1)
        for quantity, code in [(1, 'quantity_minimum'),
                (3, 'quantity_multiple')]:
            with self.subTest(quantity=quantity):
                result, = self.submit([self.order(lines=[
                                {'product_code': 'AC-1', 'quantity': 1},
                                {'product_code': 'FR-1',
                                    'quantity': quantity}])])
                self.assert_rejected(result, code)
                self.assertEqual(result['errors'][0]['line'], 2)
        self.assertEqual(Sale.search_count([]), 0)

    @with_transaction()
    def test_messages_translated(self):
        "Errors come in the language of the caller"
        pool = Pool()
        Lang = pool.get('ir.lang')
        Translation = pool.get('ir.translation')
        self.setup_network()
        lang, = Lang.search([('code', '=', 'zh_CN')])
        Lang.write([lang], {'translatable': True})
        Translation.translation_import('zh_CN', 'dms_orders', os.path.join(
                os.path.dirname(__file__), '..', 'locale', 'zh_CN.po'))
        order = self.order(lines=[])
        result, = self.submit([order])
        self.assertEqual(
            result['errors'][0]['message'], "The order has no lines.")
        with Transaction().set_context(language='zh_CN'):
            result, = self.submit([order])
        message = result['errors'][0]['message']
        self.assertNotEqual(message, "The order has no lines.")
        self.assertRegex(message, '[\u4e00-\u9fff]')

    def notified(self, user):
        """Run the queued notifications of new orders and return the
        notifications of the user: [(label, description, model, records)]"""
        pool = Pool()
        Notification = pool.get('res.notification')
        Queue = pool.get('ir.queue')
        for task in Queue.search([]):
            if task.data['method'] == 'dms_notify_submitted':
                task.run()
                Queue.delete([task])
        return [(n.label, n.description, n.model, json.loads(n.records))
            for n in Notification.search(
                [('user', '=', user.id)], order=[('id', 'ASC')])]

    @with_transaction()
    def test_new_order_notified(self):
        """Each new dealer order is dated at its submission and notified
        to the factory, in the language of each user, from the intake and
        from the portal's checkout"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        Translation = pool.get('ir.translation')
        User = pool.get('res.user')
        Sale = pool.get('sale.sale')
        Date = pool.get('ir.date')
        ModelData = pool.get('ir.model.data')
        self.setup_network()
        today = Date.today()
        # The DMS managers are told when the dealer has no sales
        # representative with a user: the administrator among them
        admin = User(ModelData.get_id('res', 'user_admin'))
        next_week = today + dt.timedelta(days=7)
        result, = self.submit([self.order('PO-9', requested_date=str(
                        next_week))])
        sale = Sale(result['sale'])
        self.assertEqual((sale.sale_date, sale.quotation_date),
            (today, today))
        # Queued: nothing until the order is committed
        self.assertEqual(self.notified(admin), [(
                    "New order %s [PO-9] from %s" % (
                        sale.number, self.dealer_a.rec_name),
                    "%s, requested for %s" % (
                        Lang.get().currency(sale.total_amount, sale.currency,
                            grouping=True),
                        Lang.get().strftime(next_week)),
                    'sale.sale', [sale.id])])

        # The portal's checkout, to a user who reads Chinese
        lang, = Lang.search([('code', '=', 'zh_CN')])
        Lang.write([lang], {'translatable': True})
        Translation.translation_import('zh_CN', 'dms_orders', os.path.join(
                os.path.dirname(__file__), '..', 'locale', 'zh_CN.po'))
        User.write([admin], {'language': lang.id})
        user, order = self.cart_and_order(
            'notify@a.example.com', [('AC-1', '1')], 'CART-1')
        result = self.checkout(user, order)
        self.assertEqual(result['status'], 'accepted', result)
        sale = Sale(result['sale'])
        self.assertEqual(sale.sale_date, today)
        (label, description, model, records), = self.notified(admin)[1:]
        self.assertEqual((model, records), ('sale.sale', [sale.id]))
        self.assertIn('%s [CART-1]' % sale.number, label)
        self.assertIn(self.dealer_a.rec_name, label)
        self.assertRegex(label, '[\u4e00-\u9fff]')

        # A batch of more orders than NOTIFY_MAX: one notification
        results = self.submit([self.order('PO-B%s' % i, lines=[
                        {'product_code': 'FR-1', 'quantity': 2}])
                for i in range(6)])
        self.assertEqual({r['status'] for r in results}, {'accepted'})
        (label, description, model, records), = self.notified(admin)[2:]
        self.assertEqual(sorted(records), sorted(r['sale'] for r in results))
        self.assertIn('6', label)
        self.assertIn(results[0]['number'], description)

        # A dealer order quoted in the back office is dated too, and not
        # notified (the factory made it)
        sale, = Sale.dms_new(
            [self.dealer_a], warehouse=Sale.default_warehouse())
        Line = pool.get('sale.line')
        sale.lines = [Line.dms_new(sale, self.products['FR-1'], 2)]
        Line.dms_price(sale.lines)
        sale.save()
        Sale.quote([sale])
        self.assertEqual(Sale(sale.id).sale_date, today)
        self.assertEqual(len(self.notified(admin)), 3)

    @with_transaction()
    def test_stock_refused(self):
        "Lines beyond the stock available to promise are refused"
        pool = Pool()
        Sale = pool.get('sale.sale')
        self.setup_network()
        results = self.submit([
                self.order('PO-1', lines=[
                        {'product_code': 'AC-1', 'quantity': 6}]),
                self.order('PO-2', dealer='B', lines=[
                        {'product_code': 'AC-1', 'quantity': 6}]),
                self.order('PO-3', dealer='B', lines=[
                        {'product_code': 'AC-1', 'quantity': 4}]),
                ])
        self.assertEqual(
            [r['status'] for r in results],
            ['accepted', 'rejected', 'accepted'])
        self.assertEqual(results[1]['errors'][0]['code'], 'stock_short')
        self.assertIn('Only 4 of', results[1]['errors'][0]['message'])
        # Received orders keep their stock: nothing left for a new order
        result, = self.submit([self.order('PO-4', lines=[
                        {'product_code': 'AC-1', 'quantity': 1}])])
        self.assert_rejected(result, 'stock_short')
        self.assertIn('out of stock', result['errors'][0]['message'])
        self.assertNotIn('Only 0', result['errors'][0]['message'])
        self.assertEqual(Sale.search_count([]), 2)

    @with_transaction()
    def test_stock_backorder(self):
        "With the accept policy a short line becomes a back-order"
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        self.setup_network()
        Configuration.write(
            [Configuration(1)], {'backorder_policy': 'accept'})
        result, = self.submit([self.order(lines=[
                        {'product_code': 'AC-1', 'quantity': 50}])])
        self.assertEqual(result['status'], 'accepted')

    @with_transaction()
    def test_credit_limit(self):
        "Orders over the dealer's credit limit are refused"
        pool = Pool()
        Tier = pool.get('dms.dealer.tier')
        self.setup_network()
        Tier.write([self.gold], {'credit_limit_amount': Decimal(2000)})
        results = self.submit([
                self.order('PO-1', lines=[
                        {'product_code': 'AC-1', 'quantity': 2}]),
                self.order('PO-2', lines=[
                        {'product_code': 'AC-1', 'quantity': 1}]),
                ])
        self.assertEqual(results[0]['status'], 'accepted')
        self.assert_rejected(results[1], 'credit_limit')

    @with_transaction()
    def test_credit_exposure(self):
        """The open orders counted against the credit limit are worth what
        Tryton computes for them, however they were made"""
        pool = Pool()
        Account = pool.get('account.account')
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Tax = pool.get('account.tax')
        Tier = pool.get('dms.dealer.tier')
        self.setup_network()
        Tier.write([self.gold], {'credit_limit_amount': Decimal(100000)})
        dealer = self.dealer_a
        account, = Account.search([
                ('type.statement', '=', 'balance'),
                ('type.payable', '=', False),
                ('type.receivable', '=', False),
                ('closed', '!=', True),
                ], limit=1)
        tax, = Tax.create([{
                    'name': "VAT 13%", 'description': "VAT 13%",
                    'type': 'percentage',
                    'rate': Decimal('0.13'), 'company': self.company.id,
                    'invoice_account': account.id,
                    'credit_note_account': account.id,
                    }])

        # Quotations of the intake carry their amounts
        results = self.submit([
                self.order('PO-1', lines=[
                        {'product_code': 'AC-1', 'quantity': 2},
                        {'product_code': 'FR-1', 'quantity': 4}]),
                self.order('PO-2', lines=[
                        {'product_code': 'FR-1', 'quantity': 2}]),
                ])
        intake_sales = Sale.browse([r['sale'] for r in results])
        for sale in intake_sales:
            self.assertEqual(sale.total_amount_cache, sale.total_amount)
            self.assertGreater(sale.total_amount, 0)

        def back_office(quantity, unit_price, taxes=()):
            sale, = Sale.dms_new([dealer])
            sale.warehouse = Sale.default_warehouse()
            sale.lines = [Line(type='line', product=self.products['AC-1'],
                    unit=self.products['AC-1'].sale_uom, quantity=quantity,
                    unit_price=Decimal(unit_price), taxes=list(taxes))]
            sale.save()
            return sale
        # Made in the back office: without stored amounts, with and without
        # taxes, one of them confirmed; a draft and a cancelled order do
        # not count
        plain = back_office(3, '333.335')
        taxed = back_office(1, '99.99', [tax])
        confirmed = back_office(1, '10.005')
        back_office(7, '1000')  # a draft
        cancelled = back_office(9, '1000')
        Sale.quote([plain, taxed, confirmed, cancelled])
        Sale.confirm([confirmed])
        Sale.cancel([cancelled])
        self.assertIsNone(plain.total_amount_cache)
        self.assertNotEqual(taxed.tax_amount, 0)

        open_sales = intake_sales + [plain, taxed, confirmed]
        expected = (dealer.party.receivable or 0) + sum(
            s.total_amount for s in Sale.browse(open_sales))
        party = dealer.party
        self.assertEqual(Party(party.id).credit_amount, expected)
        self.assertEqual(
            Party.get_credit_amount([party], 'credit_amount'),
            {party.id: expected})

        # Back to draft, a quotation of the intake stops counting and
        # loses its stored amounts
        Sale.draft([intake_sales[1]])
        self.assertIsNone(intake_sales[1].total_amount_cache)
        self.assertEqual(Party(party.id).credit_amount,
            expected - intake_sales[1].total_amount)

    @with_transaction()
    def test_dealer_scope(self):
        "An integrator linked to a dealer cannot order for another one"
        pool = Pool()
        Sale = pool.get('sale.sale')
        self.setup_network()
        result, = self.submit([self.order(dealer='B')], user=self.erp_a)
        self.assert_rejected(result, 'dealer_unknown')
        result, = self.submit([self.order(dealer='A')], user=self.erp_a)
        self.assertEqual(result['status'], 'accepted')
        self.assertEqual(Sale(result['sale']).dealer, self.dealer_a)

    @with_transaction()
    def test_inactive_dealer(self):
        "Suspended dealers cannot order"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        self.setup_network()
        Dealer.suspend([self.dealer_b])
        result, = self.submit([self.order(dealer='B')])
        self.assert_rejected(result, 'dealer_inactive')

    @with_transaction()
    def test_access(self):
        "Only allowed users reach the intake; bad batches are refused"
        pool = Pool()
        User = pool.get('res.user')
        self.setup_network()
        nobody, = User.create([{'login': 'nobody'}])
        with self.assertRaises(AccessError):
            self.submit([self.order()], user=nobody)
        for batch in [[], 'orders', None, [self.order()] * 501]:
            with self.subTest(batch=str(batch)[:20]):
                with self.assertRaises(UserError):
                    self.submit(batch)
        # Garbage inside a batch is rejected order by order
        results = self.submit([None, 'x', self.order()])
        self.assertEqual(
            [r['status'] for r in results],
            ['rejected', 'rejected', 'accepted'])


    def cart_and_order(self, email, rows, reference, **values):
        """A cart of a new buyer of dealer A filled with rows and the same
        order for the intake"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        WebUser = pool.get('web.user')
        user, = WebUser.create([{
                    'email': email, 'dealer': self.dealer_a.id,
                    'dealer_role': 'buyer'}])
        report = Sale.dms_quick_order(user, rows)
        self.assertEqual([r[3] for r in report], [[]] * len(rows))
        order = self.order(reference, lines=[
                {'product_code': c, 'quantity': q} for c, q in rows],
            **values)
        return user, order

    def checkout(self, user, order):
        pool = Pool()
        Sale = pool.get('sale.sale')
        with Transaction().set_context(company=self.company.id):
            return Sale.dms_checkout(user, order['external_reference'],
                requested_date=order.get('requested_date'),
                delivery_address=order.get('delivery_address'),
                note=order.get('note'))

    @with_transaction()
    def test_same_errors_cart_and_intake(self):
        """The cart's checkout and the intake give the same errors for the
        same order: one order path"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Template = pool.get('product.template')
        Tier = pool.get('dms.dealer.tier')
        self.setup_network()
        yesterday = dt.date.today() - dt.timedelta(days=1)
        user, order = self.cart_and_order('cart@a.example.com',
            [('AC-1', '2'), ('FR-1', '4'), ('GOLD-ONLY', '1')], ' ',
            requested_date=yesterday.isoformat(),
            delivery_address=self.dealer_b.party.addresses[0].id,
            note='x' * 2001)
        # The rules change after the lines went into the cart
        Template.write([self.products['FR-1'].template],
            {'dms_quantity_multiple': 3})
        Template.write([self.products['GOLD-ONLY'].template],
            {'dms_orderable': False})

        def errors(result):
            self.assertEqual(result['status'], 'rejected', result)
            return sorted(
                (e['code'], e.get('line'), e['message'])
                for e in result['errors'])
        cart = self.checkout(user, order)
        intake, = self.submit([order])
        self.assertEqual(errors(cart), errors(intake))
        self.assertEqual([e[:2] for e in errors(cart)], [
                ('address_invalid', None), ('note_invalid', None),
                ('product_not_orderable', 3), ('quantity_multiple', 2),
                ('reference_invalid', None), ('requested_date_past', None),
                ])
        self.assertEqual(Sale.search_count([('state', '!=', 'draft')]), 0)

        # Stock and credit: the same numbers on both paths
        Template.write([self.products['FR-1'].template],
            {'dms_quantity_multiple': 2})
        Tier.write([self.gold], {'credit_limit_amount': Decimal(1000)})
        user, order = self.cart_and_order('stock@a.example.com',
            [('AC-1', '20'), ('FR-1', '2')], 'PO-STOCK')
        cart = self.checkout(user, order)
        intake, = self.submit([order])
        self.assertEqual(errors(cart), errors(intake))
        self.assertEqual([e[:2] for e in errors(cart)],
            [('stock_short', 1)])
        user, order = self.cart_and_order('credit@a.example.com',
            [('AC-1', '2')], 'PO-CREDIT')
        cart = self.checkout(user, order)
        intake, = self.submit([order])
        self.assertEqual(errors(cart), errors(intake))
        self.assertEqual([e[:2] for e in errors(cart)],
            [('credit_limit', None)])
        self.assertEqual(Sale.search_count([('state', '!=', 'draft')]), 0)

        # The valid order is accepted on both paths with the same amounts
        Tier.write([self.gold], {'credit_limit_amount': None})
        user, order = self.cart_and_order('ok@a.example.com',
            [('AC-1', '2'), ('FR-1', '4')], 'PO-OK')
        cart = self.checkout(user, order)
        intake, = self.submit([{**order, 'external_reference': 'PO-OK-2'}])
        self.assertEqual(cart['status'], 'accepted', cart)
        self.assertEqual(intake['status'], 'accepted', intake)
        cart, intake = Sale.browse([cart['sale'], intake['sale']])
        self.assertEqual(cart.web_user, user)
        for sale in [cart, intake]:
            self.assertEqual(sale.state, 'quotation')
            self.assertEqual(sale.total_amount_cache, sale.total_amount)
        self.assertEqual(
            [(l.product, l.quantity, l.unit_price) for l in cart.lines],
            [(l.product, l.quantity, l.unit_price) for l in intake.lines])

    @with_transaction()
    def test_check_batch(self):
        """Sale.dms_check checks unsaved and saved dealer orders together,
        the stock taken by the valid ones counting for the next"""
        pool = Pool()
        Line = pool.get('sale.line')
        Sale = pool.get('sale.sale')
        self.setup_network()
        dealer = self.dealer_a
        sales = Sale.dms_new([dealer] * 3, warehouse=Sale.default_warehouse())
        for sale, (reference, quantity) in zip(sales, [
                    ('PO-1', 6), ('PO-2', 6), ('PO-3', 4)]):
            self.assertEqual(sale.dms_set_order(reference), [])
            sale.lines = [
                Line.dms_new(sale, self.products['AC-1'], quantity)]
        # The second one is saved (a draft, as a cart)
        Line.dms_price(sales[1].lines)
        sales[1].save()
        results = Sale.dms_check(sales)
        self.assertEqual(
            [[(e.code, e.line) for e in r] for r in results],
            [[], [('stock_short', 1)], []])
        self.assertEqual(sales[0].lines[0].unit_price, Decimal('800.0000'))
        self.assertEqual(sales[0].total_amount, Decimal('4800.00'))
        Sale.dms_quote([sales[0], sales[2]])
        self.assertEqual(
            [s.state for s in Sale.browse([sales[0], sales[2]])],
            ['quotation', 'quotation'])
        # A sale without dealer is refused
        sale = Sale(party=dealer.party, company=self.company, lines=[])
        result, = Sale.dms_check([sale])
        self.assertEqual([e.code for e in result], ['dealer_missing'])
        # The lines of the cart are checked as the intake's
        line = Line.dms_new(sales[1], self.products['FR-1'], 3)
        result, = Line.dms_check([line])
        self.assertEqual([e.code for e in result], ['quantity_multiple'])

    @with_transaction()
    def test_credit_amount_party_form(self):
        """The credit amount of the party form is the dealer's exposure
        the intake checks: an order over the limit by one cent is refused,
        at the limit accepted"""
        pool = Pool()
        Party = pool.get('party.party')
        Tier = pool.get('dms.dealer.tier')
        self.setup_network()
        party = self.dealer_a.party
        result, = self.submit([self.order('PO-1', lines=[
                        {'product_code': 'AC-1', 'quantity': 2}])])
        self.assertEqual(result['status'], 'accepted')
        # As the client reads it for the party form
        with Transaction().set_context(company=self.company.id):
            form, = Party.read([party.id], ['credit_amount'])
        self.assertEqual(form['credit_amount'], Decimal('1600.00'))
        # One more unit (800) at the limit is accepted, above refused
        Tier.write([self.gold], {
                'credit_limit_amount': form['credit_amount'] + Decimal(799)})
        result, = self.submit([self.order('PO-2', lines=[
                        {'product_code': 'AC-1', 'quantity': 1}])])
        self.assert_rejected(result, 'credit_limit')
        self.assertIn('2,400.00', result['errors'][0]['message'].replace(
                '2400.00', '2,400.00'))
        Tier.write([self.gold], {
                'credit_limit_amount': form['credit_amount'] + Decimal(800)})
        result, = self.submit([self.order('PO-2', lines=[
                        {'product_code': 'AC-1', 'quantity': 1}])])
        self.assertEqual(result['status'], 'accepted')
        with Transaction().set_context(company=self.company.id):
            form, = Party.read([party.id], ['credit_amount'])
        self.assertEqual(form['credit_amount'], Decimal('2400.00'))
